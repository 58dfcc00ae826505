//! The `conductor-gateway` binary: parse arguments, set up logging, run.

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use conductor_gateway::cli::{Cli, Command, ConfigCommand, ServeArgs};
use conductor_gateway::config;
use conductor_gateway::startup::{Application, BuildOptions};

fn main() -> ExitCode {
    // The demo engine is this same binary, started as `conductor-gateway demo-cli ...`.
    let mut args = std::env::args_os();
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == conductor_double::SUBCOMMAND)
    {
        let rest: Vec<_> = args.by_ref().skip(2).collect();
        return ExitCode::from(conductor_double::run(rest).clamp(0, 255) as u8);
    }

    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Config(ConfigCommand::Check { config })) => config_check(config.as_deref()),
        Some(Command::Serve(serve)) => serve_http(serve),
        Some(Command::Mcp(mcp)) => {
            if !mcp.stdio {
                eprintln!("error: `mcp` needs --stdio (the HTTP transports are served by `serve`)");
                return ExitCode::from(2);
            }
            let config = mcp.serve.config.as_deref();
            (mcp.serve.demo.then(demo_workspace).transpose())
                .and_then(|demo| conductor_gateway::startup::run_stdio(config, demo))
        }
        Some(Command::Client(command)) => return conductor_gateway::client::main(command),
        None => serve_http(cli.serve),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn config_check(path: Option<&std::path::Path>) -> anyhow::Result<()> {
    let (settings, source) = config::load(path)?;
    println!(
        "# configuration file: {} ({})",
        source.path.display(),
        if source.file_found {
            "loaded"
        } else {
            "not found, defaults used"
        }
    );
    print!(
        "{}",
        serde_yaml::to_string(&settings).context("printing the settings")?
    );
    // The store must answer, or `serve` would not start.
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let backend = settings.store.effective(false);
    let store = runtime
        .block_on(conductor_gateway::startup::open_store(
            &settings, false, None,
        ))
        .with_context(|| format!("the {} job store cannot be opened", backend.as_str()))?;
    runtime
        .block_on(store.ping())
        .with_context(|| format!("the {} job store does not answer", backend.as_str()))?;
    println!("# store: {} (reachable)", backend.as_str());
    println!("# configuration is valid");
    Ok(())
}

fn serve_http(args: ServeArgs) -> anyhow::Result<()> {
    let (settings, source) = config::load(args.config.as_deref())?;
    let _logs = conductor_gateway::telemetry::init(settings.server.log_format, config::no_color());
    tracing::info!(config = %source.path.display(), found = source.file_found, "configuration loaded");
    let demo_workspace = args.demo.then(demo_workspace).transpose()?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let app = Application::build(settings, BuildOptions { demo_workspace }).await?;
        let stop = app.stop_token();
        tokio::spawn(async move {
            conductor_gateway::shutdown::signal().await;
            tracing::info!("signal received");
            stop.cancel();
        });
        app.run_until_stopped().await
    })
}

/// The `--demo` project: the double's demo agents in a temporary directory, deleted on drop.
fn demo_workspace() -> anyhow::Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("conductor-demo-")
        .tempdir()
        .context("creating the demo workspace")?;
    conductor_double::create_workspace(dir.path()).context("writing the demo workspace")?;
    Ok(dir)
}
