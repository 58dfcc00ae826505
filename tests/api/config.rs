//! Configuration layering and validation, through `conductor-gateway config check`.

use std::process::Command;

fn check(dir: &std::path::Path, envs: &[(&str, &str)], args: &[&str]) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_conductor-gateway"));
    cmd.args(["config", "check"])
        .args(args)
        .current_dir(dir)
        .env_clear();
    cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("config check runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn value(stdout: &str, section: &str, key: &str) -> serde_yaml::Value {
    let doc: serde_yaml::Value = serde_yaml::from_str(stdout).expect("yaml output");
    doc[section][key].clone()
}

#[test]
fn defaults_without_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = check(dir.path(), &[], &[]);
    assert!(ok, "{err}");
    assert_eq!(value(&out, "server", "port"), 5006);
    assert_eq!(value(&out, "server", "mcp_port"), 8006);
    assert_eq!(value(&out, "server", "host"), "127.0.0.1");
    assert_eq!(value(&out, "conductor", "timeout"), 300);
    assert!(out.contains("not found, defaults used"));
}

#[test]
fn file_then_flat_env_then_nested_env() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.yaml"),
        "server:\n  port: 7000\n  mcp_port: 7001\nconductor:\n  timeout: 50\n  scripts_path: s\n",
    )
    .unwrap();
    let (ok, out, err) = check(dir.path(), &[], &[]);
    assert!(ok, "{err}");
    assert_eq!(value(&out, "server", "port"), 7000);

    let (_, out, _) = check(
        dir.path(),
        &[("PORT", "7100"), ("CONDUCTOR_TIMEOUT", "60")],
        &[],
    );
    assert_eq!(value(&out, "server", "port"), 7100);
    assert_eq!(value(&out, "conductor", "timeout"), 60);
    assert_eq!(
        value(&out, "server", "mcp_port"),
        7001,
        "untouched keys keep the file's value"
    );

    let (_, out, _) = check(
        dir.path(),
        &[
            ("PORT", "7100"),
            ("GATEWAY_SERVER__PORT", "7200"),
            ("MCP_PORT", "7300"),
            ("CONDUCTOR_SCRIPTS_PATH", "bin"),
        ],
        &[],
    );
    assert_eq!(
        value(&out, "server", "port"),
        7200,
        "the nested name wins over the flat one"
    );
    assert_eq!(value(&out, "server", "mcp_port"), 7300);
    assert_eq!(value(&out, "conductor", "scripts_path"), "bin");
}

#[test]
fn config_path_sources_and_secret_redaction() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("other.yaml");
    std::fs::write(&file, "llm:\n  api_key: sk-from-file\n  model: m1\n").unwrap();
    let (ok, out, err) = check(dir.path(), &[("CONFIG_PATH", file.to_str().unwrap())], &[]);
    assert!(ok, "{err}");
    assert_eq!(value(&out, "llm", "model"), "m1");
    assert!(!out.contains("sk-from-file"), "secret printed: {out}");
    assert!(out.contains("[redacted]"));

    let (ok, out, _) = check(
        dir.path(),
        &[("OPENAI_API_KEY", "12345"), ("LLM_MODEL", "m2")],
        &["--config", file.to_str().unwrap()],
    );
    assert!(ok);
    assert_eq!(value(&out, "llm", "model"), "m2");
    assert!(!out.contains("12345"));

    let (ok, _, err) = check(dir.path(), &[], &["--config", "/nonexistent/config.yaml"]);
    assert!(!ok);
    assert!(
        err.contains("/nonexistent/config.yaml") && err.contains("does not exist"),
        "{err}"
    );
}

#[test]
fn invalid_configurations_name_the_key_and_its_source() {
    let dir = tempfile::tempdir().unwrap();
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: &[Case] = &[
        ("server: [unclosed\n", &[], &["config.yaml"]),
        ("server:\n  prot: 1\n", &[], &["prot", "config.yaml"]),
        (
            "server:\n  port: 70000\n",
            &[],
            &["server.port", "config.yaml"],
        ),
        (
            "",
            &[("CONDUCTOR_TIMEOUT", "soon")],
            &["conductor.timeout", "CONDUCTOR_TIMEOUT"],
        ),
        (
            "",
            &[("GATEWAY_SERVER__PORT", "-1")],
            &["server.port", "GATEWAY_SERVER__PORT"],
        ),
        (
            "",
            &[("GATEWAY_SERVER__BOGUS", "1")],
            &["bogus", "GATEWAY_SERVER__BOGUS"],
        ),
        ("conductor:\n  timeout: 0\n", &[], &["conductor.timeout"]),
    ];
    for (file, envs, needles) in cases {
        std::fs::write(dir.path().join("config.yaml"), file).unwrap();
        let (ok, _, err) = check(dir.path(), envs, &[]);
        assert!(!ok, "accepted: {file:?} {envs:?}");
        assert!(!err.contains("panicked"), "{err}");
        for needle in *needles {
            assert!(err.contains(needle), "{needle:?} missing from: {err}");
        }
    }
}

#[test]
fn serve_refuses_a_bad_configuration_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_conductor-gateway"))
        .current_dir(dir.path())
        .env("PORT", "not-a-port")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("server.port") && err.contains("PORT"), "{err}");
}

#[test]
fn the_documented_example_loads() {
    let dir = tempfile::tempdir().unwrap();
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/config.yaml.example");
    let (ok, out, err) = check(dir.path(), &[], &["--config", example]);
    assert!(ok, "{err}");
    assert_eq!(value(&out, "server", "port"), 5006);
    // It says what the defaults are: loading it changes nothing.
    let (ok, defaults, err) = check(dir.path(), &[], &[]);
    assert!(ok, "{err}");
    let doc = |text: &str| serde_yaml::from_str::<serde_yaml::Value>(text).expect("yaml output");
    assert_eq!(
        doc(&out),
        doc(&defaults),
        "config.yaml.example differs from the defaults"
    );
}

#[test]
fn an_empty_llm_key_means_no_llm() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = check(dir.path(), &[("OPENAI_API_KEY", "")], &[]);
    assert!(ok, "{err}");
    assert_eq!(value(&out, "llm", "api_key"), serde_yaml::Value::Null);
    std::fs::write(dir.path().join("config.yaml"), "llm:\n  api_key: \"\"\n").unwrap();
    let (ok, out, err) = check(dir.path(), &[], &[]);
    assert!(ok, "{err}");
    assert_eq!(value(&out, "llm", "api_key"), serde_yaml::Value::Null);
    let (_, out, _) = check(dir.path(), &[("OPENAI_API_KEY", "sk-set")], &[]);
    assert_eq!(value(&out, "llm", "api_key"), "[redacted]");
}

#[test]
fn secrets_in_conductor_env_are_redacted_when_printed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.yaml"),
        "conductor:\n  env:\n    ANTHROPIC_API_KEY: sk-ant-very-secret\n",
    )
    .unwrap();
    let (ok, out, err) = check(dir.path(), &[], &[]);
    assert!(ok, "{err}");
    assert!(!out.contains("sk-ant-very-secret"), "{out}");
    assert!(out.contains("ANTHROPIC_API_KEY"), "the name stays: {out}");
}

#[test]
fn two_keys_with_one_name_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.yaml"),
        "auth:\n  api_keys:\n    - {key: first-key-0123456789, name: web}\n    - {key: second-key-0123456789, name: web}\n",
    )
    .unwrap();
    let (ok, _, err) = check(dir.path(), &[], &[]);
    assert!(!ok);
    assert!(
        err.contains("auth.api_keys.name") && err.contains("`web`"),
        "{err}"
    );
}

#[test]
fn a_public_bind_without_keys_needs_an_explicit_opt_in() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, err) = check(dir.path(), &[("HOST", "0.0.0.0")], &[]);
    assert!(!ok, "refused");
    assert!(
        err.contains("server.host") && err.contains("auth.allow_open"),
        "{err}"
    );
    let (ok, _, err) = check(
        dir.path(),
        &[("HOST", "0.0.0.0"), ("GATEWAY_AUTH__ALLOW_OPEN", "true")],
        &[],
    );
    assert!(ok, "{err}");
    let (ok, _, err) = check(
        dir.path(),
        &[
            ("HOST", "0.0.0.0"),
            ("GATEWAY_API_KEYS", "a-key-of-sixteen-chars"),
        ],
        &[],
    );
    assert!(ok, "{err}");
}
