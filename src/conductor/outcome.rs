//! One error taxonomy for CLI runs, derived from output as well as the exit code.
//!
//! The real CLI exits 0 for most failures, so success is judged from stdout:
//! the JSON result line of `--output json`, a `❌ Erro:` answer, or a `❌`
//! line outside the answer block.

pub use crate::tools::Outcome;

const ANSWER_HEADER: &str = "🤖 Resposta:";
const RULE: &str = "==================================================";

/// Classifies a finished run; the string is the failure reason in words.
pub fn classify(code: i32, stdout: &str, stderr: &str) -> (Outcome, Option<String>) {
    if code != 0 {
        let tail = last_meaningful_line(stderr)
            .or_else(|| last_meaningful_line(stdout))
            .unwrap_or("no output");
        return (
            Outcome::NonzeroExit,
            Some(format!("conductor exited with code {code}: {tail}")),
        );
    }
    if let Some(result) = json_result(stdout) {
        return if result.0 == "success" {
            (Outcome::Ok, None)
        } else {
            (Outcome::CliError, Some(result.1))
        };
    }
    let mut in_answer = false;
    let mut answer_started = false;
    for line in stdout.lines() {
        if line == ANSWER_HEADER {
            in_answer = true;
            answer_started = false;
            continue;
        }
        if in_answer {
            if line.starts_with(RULE) {
                if answer_started {
                    in_answer = false;
                }
                answer_started = true;
                continue;
            }
            if let Some(msg) = line.strip_prefix("❌ Erro: ") {
                return (Outcome::CliError, Some(msg.to_string()));
            }
            // Anything else in the answer is the model's text, whatever it starts with.
            continue;
        }
        if line.starts_with('❌') {
            return (
                Outcome::CliError,
                Some(line.trim_start_matches('❌').trim().to_string()),
            );
        }
    }
    (Outcome::Ok, None)
}

/// The last stdout line that decodes to an object with `status` and `output`.
fn json_result(stdout: &str) -> Option<(String, String)> {
    stdout.lines().rev().find_map(|line| {
        let line = line.trim();
        if !line.starts_with('{') || !line.contains("\"status\"") {
            return None;
        }
        let value: serde_json::Value = serde_json::from_str(line).ok()?;
        let status = value.get("status")?.as_str()?.to_string();
        let output = value.get("output")?;
        let output = output
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| output.to_string());
        Some((status, output))
    })
}

/// The agent's answer inside an execution's output: the `output` of the JSON
/// result line, or the text between the rules after `🤖 Resposta:`.
pub fn answer(stdout: &str) -> Option<String> {
    if let Some((_, output)) = json_result(stdout) {
        return Some(output);
    }
    let mut lines = stdout.lines().skip_while(|l| *l != ANSWER_HEADER).skip(1);
    if !lines.next()?.starts_with(RULE) {
        return None;
    }
    let body: Vec<&str> = lines.collect();
    let end = body.iter().rposition(|l| l.starts_with(RULE))?;
    Some(body[..end].join("\n"))
}

fn last_meaningful_line(text: &str) -> Option<&str> {
    text.lines().rev().map(str::trim).find(|l| !l.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_text_answer() {
        let out = "🤖 Executando A\n📝 Input: hi\n🤖 Resposta:\n==================================================\nfine\n==================================================\n⚡ Execução isolada concluída\n";
        assert_eq!(classify(0, out, ""), (Outcome::Ok, None));
    }

    #[test]
    fn answer_text_starting_with_the_cross_is_not_an_error() {
        let out = "🤖 Resposta:\n==================================================\n❌ is an emoji the model likes\n==================================================\n";
        assert_eq!(classify(0, out, "").0, Outcome::Ok);
    }

    #[test]
    fn error_answer_is_cli_error() {
        let out = "🤖 Resposta:\n==================================================\n❌ Erro: Claude CLI timed out after 5 seconds.\n==================================================\n";
        assert_eq!(
            classify(0, out, ""),
            (
                Outcome::CliError,
                Some("Claude CLI timed out after 5 seconds.".into())
            )
        );
    }

    #[test]
    fn unknown_agent_is_cli_error() {
        let out = "🔍 Informações do agente: X\n❌ Agente 'X' não encontrado em .conductor_workspace/agents/\n";
        let (outcome, why) = classify(0, out, "");
        assert_eq!(outcome, Outcome::CliError);
        assert!(why.unwrap().contains("não encontrado"));
    }

    #[test]
    fn indented_crosses_in_info_are_fine() {
        let out = "📁 ARQUIVOS DO AGENTE\n   ✅ definition.yaml (424B)\n   ❌ session.json\n";
        assert_eq!(classify(0, out, "").0, Outcome::Ok);
    }

    #[test]
    fn json_result_line_decides() {
        let ok = "{\"message\": \"x\"}\n{\"status\": \"success\", \"output\": \"hi\"}\n⚡ Execução isolada concluída\n";
        assert_eq!(classify(0, ok, "").0, Outcome::Ok);
        let bad = "{\"status\": \"error\", \"output\": \"Persona file not found: p\", \"metadata\": {}}\n";
        assert_eq!(
            classify(0, bad, ""),
            (Outcome::CliError, Some("Persona file not found: p".into()))
        );
    }

    #[test]
    fn answers_are_extracted() {
        let text = "🤖 Resposta:\n==================================================\nline 1\nline 2\n==================================================\n⚡ Execução isolada concluída\n";
        assert_eq!(answer(text).as_deref(), Some("line 1\nline 2"));
        let json = "{\"status\": \"success\", \"output\": \"hi\"}\n";
        assert_eq!(answer(json).as_deref(), Some("hi"));
        assert_eq!(answer("🤖 Agentes disponíveis\n"), None);
    }

    #[test]
    fn nonzero_exit_names_the_code_and_last_stderr_line() {
        let (outcome, why) = classify(2, "", "usage: conductor\nconductor: error: bad\n");
        assert_eq!(outcome, Outcome::NonzeroExit);
        assert_eq!(
            why.unwrap(),
            "conductor exited with code 2: conductor: error: bad"
        );
    }
}
