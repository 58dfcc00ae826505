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
    if std::env::args_os().nth(1).is_some_and(|a| a == "demo-cli") {
        let rest: Vec<_> = args.by_ref().skip(2).collect();
        return ExitCode::from(conductor_gateway::demo::run(rest).clamp(0, 255) as u8);
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
            conductor_gateway::mcp::run_stdio_main(mcp.serve.config.as_deref(), mcp.serve.demo)
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
    println!("# configuration is valid");
    Ok(())
}

fn serve_http(args: ServeArgs) -> anyhow::Result<()> {
    let (settings, source) = config::load(args.config.as_deref())?;
    conductor_gateway::telemetry::init(settings.server.log_format);
    tracing::info!(config = %source.path.display(), found = source.file_found, "configuration loaded");
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let app = Application::build(settings, BuildOptions { demo: args.demo }).await?;
        let stop = app.stop_token();
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("signal received");
            stop.cancel();
        });
        app.run_until_stopped().await
    })
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
