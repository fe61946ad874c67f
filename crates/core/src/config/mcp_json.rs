//! Reads a Claude-style `.mcp.json` so users bring their server list as is.
//!
//! Shape: `{"mcpServers": {NAME: {command, args, env, cwd}}}` for stdio
//! servers, `{NAME: {type?, url, headers}}` for HTTP ones. This file is
//! shared with other tools, so nothing in it is fatal: a syntax error or a
//! malformed server becomes a warning and the rest of the config loads.

use std::path::Path;

use serde_json::Value;

use super::Origin;
use super::error::Location;
use super::layer::{Layer, check_server_name};

/// Turns the file's text into a layer of whole-server definitions plus
/// warnings for whatever had to be skipped.
pub(crate) fn parse(text: &str, path: &Path, shown: &Path) -> (Layer, Vec<String>) {
    let mut layer = Layer::default();
    let mut warnings = Vec::new();
    let root: Value = match serde_json::from_str(text) {
        Ok(root) => root,
        Err(err) => {
            let full = err.to_string();
            let message = full
                .rsplit_once(" at line ")
                .map_or(full.as_str(), |(head, _)| head);
            warnings.push(format!(
                "{}:{}:{}: invalid JSON: {message}; its MCP servers are not loaded until it is fixed",
                shown.display(),
                err.line(),
                err.column()
            ));
            return (layer, warnings);
        }
    };
    let servers = match root.get("mcpServers") {
        Some(Value::Object(servers)) => servers,
        Some(_) => {
            warnings.push(format!(
                "{}: `mcpServers` must be an object of servers; ignoring the file",
                shown.display()
            ));
            return (layer, warnings);
        }
        None => return (layer, warnings),
    };
    let origin = Origin::McpJson(path.to_path_buf());
    for (name, server) in servers {
        let mut fields = Vec::new();
        match read_server(name, server, &mut fields, &mut warnings) {
            Ok(()) => {
                let location = Location::File(shown.to_path_buf());
                for (field, value) in fields {
                    let entry = super::layer::Entry {
                        value,
                        origin: origin.clone(),
                        location: location.clone(),
                    };
                    layer
                        .entries
                        .insert(format!("mcp.servers.{name}.{field}"), entry);
                }
                layer.servers.insert(name.clone(), location);
            }
            Err(problem) => warnings.push(format!(
                "{}: server `{name}` skipped: {problem}",
                shown.display()
            )),
        }
    }
    (layer, warnings)
}

fn read_server(
    name: &str,
    server: &Value,
    fields: &mut Vec<(&'static str, toml::Value)>,
    warnings: &mut Vec<String>,
) -> Result<(), String> {
    check_server_name(name)?;
    let Value::Object(object) = server else {
        return Err("a server must be an object".to_owned());
    };
    let kind = match object.get("type") {
        None => None,
        Some(Value::String(kind)) => Some(kind.as_str()),
        Some(_) => return Err("`type` must be a string".to_owned()),
    };
    let (command, url) = (object.get("command"), object.get("url"));
    match (command, url) {
        (Some(_), Some(_)) => {
            return Err("it has both `command` and `url`; keep one".to_owned());
        }
        (None, None) => return Err("it needs `command` (stdio) or `url` (http)".to_owned()),
        (Some(_), None) if kind.is_some_and(|k| k != "stdio") => {
            return Err(format!("`type` is \"{}\" but it has a `command`", kind.unwrap_or_default()));
        }
        (None, Some(_)) => match kind {
            None | Some("http" | "streamable-http") => {}
            Some("sse") => warnings.push(format!(
                "server `{name}` is declared as legacy SSE; vtcode connects to its url with streamable HTTP"
            )),
            Some(other) => {
                return Err(format!(
                    "unsupported `type` \"{other}\"; use \"http\", \"streamable-http\" or \"sse\""
                ));
            }
        },
        _ => {}
    }
    for (field, value) in object {
        let converted = match field.as_str() {
            "type" => continue,
            "command" => ("command", string(field, value)?),
            "cwd" => ("cwd", string(field, value)?),
            "url" => ("url", string(field, value)?),
            "args" => ("args", string_list(field, value)?),
            "env" => ("env", string_map(field, value)?),
            "headers" => ("headers", string_map(field, value)?),
            other => {
                warnings.push(format!(
                    "server `{name}`: field `{other}` is not used by vtcode and was ignored"
                ));
                continue;
            }
        };
        fields.push(converted);
    }
    if command.is_some() && fields.iter().any(|(f, _)| *f == "headers") {
        return Err("`headers` only applies to http servers (it has a `command`)".to_owned());
    }
    if url.is_some()
        && fields
            .iter()
            .any(|(f, _)| matches!(*f, "args" | "env" | "cwd"))
    {
        return Err(
            "`args`, `env` and `cwd` only apply to stdio servers (it has a `url`)".to_owned(),
        );
    }
    Ok(())
}

fn string(field: &str, value: &Value) -> Result<toml::Value, String> {
    value
        .as_str()
        .map(|s| toml::Value::String(s.to_owned()))
        .ok_or_else(|| format!("`{field}` must be a string"))
}

fn string_list(field: &str, value: &Value) -> Result<toml::Value, String> {
    let items = value
        .as_array()
        .ok_or_else(|| format!("`{field}` must be an array of strings"))?;
    items
        .iter()
        .map(|item| string(field, item))
        .collect::<Result<Vec<_>, _>>()
        .map(toml::Value::Array)
        .map_err(|_| format!("`{field}` must be an array of strings"))
}

fn string_map(field: &str, value: &Value) -> Result<toml::Value, String> {
    let object = value
        .as_object()
        .ok_or_else(|| format!("`{field}` must be an object of strings"))?;
    let mut table = toml::Table::new();
    for (key, item) in object {
        let item = string(&format!("{field}.{key}"), item)?;
        table.insert(key.clone(), item);
    }
    Ok(toml::Value::Table(table))
}
