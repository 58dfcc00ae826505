//! The commands that ask once and print: `jobs` (a table of recent jobs), `tools` (the
//! catalogue) and `call` (one tool). `--json` prints one object per line instead.

use std::io::Write;

use chrono::{Local, TimeZone};
use comfy_table::{ContentArrangement, Table, presets};
use serde_json::Value;

use super::args::{CallArgs, JobsArgs, ToolsArgs, arguments_from_pairs};
use super::exit::Exit;
use super::http::ClientError;
use super::jobs::gateway;
use super::steps::duration;
use super::term::{Terminal, clean};

/// Commands longer than this are cut in the table (the whole text is in `--json`).
const COMMAND_WIDTH: usize = 48;
/// Descriptions longer than this are cut in the tools table.
const DESCRIPTION_WIDTH: usize = 72;

/// `jobs [--state S] [--limit N]`.
pub async fn jobs(args: JobsArgs, terminal: Terminal) -> Result<Exit, ClientError> {
    let gateway = gateway(&args.connection)?;
    let answer = gateway.jobs(args.state.as_deref(), args.limit).await?;
    let rows = list(&answer, "jobs")?;
    if args.connection.json {
        print_lines(rows);
        return Ok(Exit::Success);
    }
    let with_owner = rows.iter().any(|job| job["owner"].is_string());
    let mut header = vec!["job", "state", "command", "started", "duration"];
    if with_owner {
        header.push("owner");
    }
    let mut table = table(&terminal);
    table.set_header(header);
    let now = crate::jobs::model::now();
    for job in rows {
        let mut row = vec![
            text(&job["job_id"]),
            text(&job["state"]),
            console::truncate_str(&text(&job["command"]), COMMAND_WIDTH, "…").into_owned(),
            job["started_at"]
                .as_f64()
                .map(local_time)
                .unwrap_or_default(),
            job_duration(job, now),
        ];
        if with_owner {
            row.push(text(&job["owner"]));
        }
        table.add_row(row);
    }
    let total = answer["total"].as_u64().unwrap_or(rows.len() as u64);
    let mut out = std::io::stdout().lock();
    if rows.is_empty() {
        let _ = writeln!(out, "no jobs");
    } else {
        print_table(&mut out, &table);
        let _ = writeln!(out, "{} of {total} jobs, newest first", rows.len());
    }
    Ok(Exit::Success)
}

/// `tools`.
pub async fn tools(args: ToolsArgs, terminal: Terminal) -> Result<Exit, ClientError> {
    let gateway = gateway(&args.connection)?;
    let answer = gateway.tools().await?;
    let rows = list(&answer, "tools")?;
    if args.connection.json {
        print_lines(rows);
        return Ok(Exit::Success);
    }
    let mut table = table(&terminal);
    table.set_header(vec!["tool", "scope", "description"]);
    for tool in rows {
        let description = match text(&tool["description"]) {
            d if d.is_empty() => text(&tool["title"]),
            d => d,
        };
        let first_line = description.lines().next().unwrap_or_default().to_string();
        table.add_row(vec![
            text(&tool["name"]),
            text(&tool["scope"]),
            console::truncate_str(&first_line, DESCRIPTION_WIDTH, "…").into_owned(),
        ]);
    }
    print_table(&mut std::io::stdout().lock(), &table);
    Ok(Exit::Success)
}

/// `call <tool> key=value…`.
pub async fn call(args: CallArgs) -> Result<Exit, ClientError> {
    let arguments =
        arguments_from_pairs(&args.pairs).map_err(|e| ClientError::Usage(e.to_string()))?;
    let gateway = gateway(&args.connection)?;
    let answer = gateway.call_tool(&args.tool, &arguments).await?;
    let is_error = answer["is_error"].as_bool().unwrap_or(false);
    if args.connection.json {
        let _ = writeln!(std::io::stdout().lock(), "{answer}");
    } else {
        let readable = match &answer["readable"] {
            Value::String(text) => text.clone(),
            Value::Null => answer.to_string(),
            other => other.to_string(),
        };
        let readable = clean(&readable);
        let readable = readable.trim_end_matches('\n');
        if is_error {
            let _ = writeln!(std::io::stderr().lock(), "{readable}");
        } else {
            let _ = writeln!(std::io::stdout().lock(), "{readable}");
        }
    }
    Ok(if is_error {
        Exit::Failed
    } else {
        Exit::Success
    })
}

/// The array `key` of an answer.
fn list<'a>(answer: &'a Value, key: &str) -> Result<&'a Vec<Value>, ClientError> {
    answer[key]
        .as_array()
        .ok_or_else(|| ClientError::Protocol(format!("no \"{key}\" list in the answer")))
}

fn print_lines(rows: &[Value]) {
    let mut out = std::io::stdout().lock();
    for row in rows {
        let _ = writeln!(out, "{row}");
    }
}

/// The table's lines without the padding the last column leaves at their ends.
fn print_table(out: &mut impl Write, table: &Table) {
    for line in table.lines() {
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

/// A table drawn with box characters in a terminal (as wide as it), plain columns elsewhere.
fn table(terminal: &Terminal) -> Table {
    let mut table = Table::new();
    match terminal.width() {
        Some(width) => {
            table
                .load_style(presets::UTF8_FULL_CONDENSED)
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(u16::try_from(width).unwrap_or(u16::MAX));
        }
        None => {
            table.load_style(presets::NOTHING);
        }
    }
    table
}

/// A text field, cleaned of control codes (`""` when absent).
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => clean(s),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Unix seconds as local time: the time of day for today, else the date too.
fn local_time(seconds: f64) -> String {
    let millis = (seconds * 1000.0) as i64;
    let Some(at) = Local.timestamp_millis_opt(millis).single() else {
        return String::new();
    };
    if at.date_naive() == Local::now().date_naive() {
        at.format("%H:%M:%S").to_string()
    } else {
        at.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// Finished minus started; for a job still going, the time so far with a `…`.
fn job_duration(job: &Value, now: f64) -> String {
    let Some(started) = job["started_at"].as_f64() else {
        return String::new();
    };
    match job["finished_at"].as_f64() {
        Some(finished) => duration((finished - started).max(0.0)),
        None => format!("{}…", duration((now - started).max(0.0))),
    }
}

#[cfg(test)]
mod tests {
    use super::job_duration;
    use serde_json::json;

    #[test]
    fn durations_of_finished_running_and_queued_jobs() {
        let done = json!({"started_at": 10.0, "finished_at": 12.5});
        assert_eq!(job_duration(&done, 100.0), "2.5s");
        let running = json!({"started_at": 10.0, "finished_at": null});
        assert_eq!(job_duration(&running, 14.0), "4.0s…");
        assert_eq!(job_duration(&json!({"started_at": null}), 14.0), "");
    }
}
