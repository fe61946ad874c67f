//! One configuration source turned into checked values keyed by dotted path.
//!
//! A layer is a flat map: `sandbox.pool_size`, `mcp.servers.git.command`.
//! Each value is already type-checked against the schema and carries its
//! origin and location, so merging is an overlay and later errors (such
//! as a server with both `command` and `url`) can still point at the line
//! that caused them. A file layer that defines a server replaces that
//! server as a whole; environment and command-line layers override single
//! fields.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use super::Origin;
use super::error::{ConfigError, Location};
use super::schema::{self, KeySpec, SECTION_NAMES, SERVER_KEYS};

/// One checked value and where it came from.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub value: toml::Value,
    pub origin: Origin,
    pub location: Location,
}

/// Values from one source, or the merge of several.
#[derive(Debug, Default)]
pub(crate) struct Layer {
    pub entries: BTreeMap<String, Entry>,
    /// Servers this layer defines as a whole, with where each is defined.
    pub servers: BTreeMap<String, Location>,
}

pub(crate) const SERVER_PREFIX: &str = "mcp.servers.";

impl Layer {
    /// Lays `upper` over `self`: a server `upper` defines replaces this
    /// layer's definition of it, other keys override one by one.
    pub(crate) fn overlay(&mut self, upper: Layer) {
        for (name, location) in upper.servers {
            let prefix = format!("{SERVER_PREFIX}{name}.");
            self.entries.retain(|key, _| !key.starts_with(&prefix));
            self.servers.insert(name, location);
        }
        self.entries.extend(upper.entries);
    }

    fn insert(&mut self, key: String, value: toml::Value, origin: &Origin, location: Location) {
        let entry = Entry {
            value,
            origin: origin.clone(),
            location,
        };
        self.entries.insert(key, entry);
    }
}

/// Parses a `vtcode.toml`. `shown` is the path as messages print it.
pub(crate) fn from_toml(text: &str, shown: &Path, origin: &Origin) -> Result<Layer, ConfigError> {
    let at = |offset: usize| Location::at(shown.to_path_buf(), text, offset);
    let document = DeTable::parse(text).map_err(|err| {
        let offset = err.span().map_or(0, |span| span.start);
        ConfigError::invalid(
            at(offset),
            format!("invalid TOML: {}", err.message().trim_end()),
        )
    })?;
    let mut layer = Layer::default();
    for (section, body) in document.get_ref().iter() {
        let name = section.get_ref().as_ref();
        let key_at = at(section.span().start);
        let Some(table) = body.get_ref().as_table() else {
            return Err(ConfigError::invalid(
                at(body.span().start),
                format!("`{name}` must be a table (a [{name}] section)"),
            ));
        };
        if name == "mcp" {
            read_mcp(table, &at, origin, &mut layer)?;
        } else if let Some(keys) = schema::section_keys(name) {
            read_table(table, keys, name, &at, origin, &mut layer)?;
        } else {
            let message = schema::unknown_message("section", name, "", SECTION_NAMES);
            return Err(ConfigError::invalid(key_at, message));
        }
    }
    Ok(layer)
}

fn read_table(
    table: &DeTable<'_>,
    keys: &'static [KeySpec],
    prefix: &str,
    at: &dyn Fn(usize) -> Location,
    origin: &Origin,
    layer: &mut Layer,
) -> Result<(), ConfigError> {
    for (key, value) in table.iter() {
        let name = key.get_ref().as_ref();
        let spec = schema::lookup(keys, name, prefix)
            .map_err(|message| ConfigError::invalid(at(key.span().start), message))?;
        let dotted = format!("{prefix}.{name}");
        let checked = schema::check(spec.kind, &dotted, value)
            .map_err(|bad| ConfigError::invalid(at(bad.span.start), bad.message))?;
        layer.insert(dotted, checked, origin, at(key.span().start));
    }
    Ok(())
}

fn read_mcp(
    table: &DeTable<'_>,
    at: &dyn Fn(usize) -> Location,
    origin: &Origin,
    layer: &mut Layer,
) -> Result<(), ConfigError> {
    for (key, value) in table.iter() {
        if key.get_ref() != "servers" {
            let message = schema::unknown_message("key", key.get_ref(), " in [mcp]", &["servers"]);
            return Err(ConfigError::invalid(at(key.span().start), message));
        }
        let Some(servers) = value.get_ref().as_table() else {
            return Err(ConfigError::invalid(
                at(value.span().start),
                "`mcp.servers` must be a table of servers, like [mcp.servers.NAME]",
            ));
        };
        for (name, body) in servers.iter() {
            let server = name.get_ref().as_ref();
            let name_at = at(name.span().start);
            check_server_name(server).map_err(|m| ConfigError::invalid(name_at.clone(), m))?;
            let DeValue::Table(fields) = body.get_ref() else {
                return Err(ConfigError::invalid(
                    at(body.span().start),
                    format!("`mcp.servers.{server}` must be a table ([mcp.servers.{server}])"),
                ));
            };
            let prefix = format!("mcp.servers.{server}");
            read_table(fields, SERVER_KEYS, &prefix, at, origin, layer)?;
            layer.servers.insert(server.to_owned(), name_at);
        }
    }
    Ok(())
}

/// Server names become dotted keys and SDK package names, so they must be
/// plain words.
pub(crate) fn check_server_name(name: &str) -> Result<(), String> {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if plain {
        Ok(())
    } else {
        Err(format!(
            "invalid server name `{name}`: use letters, digits, `_` and `-` only"
        ))
    }
}

/// Reads `VTCODE_<SECTION>_<KEY>` variables. Variables that do not start
/// with a section name are not config and are left alone.
pub(crate) fn from_env(vars: &[(String, String)]) -> Result<Layer, ConfigError> {
    let mut layer = Layer::default();
    for (var, text) in vars {
        let Some(rest) = var.strip_prefix("VTCODE_") else {
            continue;
        };
        let rest = rest.to_ascii_lowercase();
        let Some((section, keys, name)) = schema::FLAT_SECTIONS.iter().find_map(|(s, keys)| {
            let name = rest.strip_prefix(s)?.strip_prefix('_')?;
            Some((*s, *keys, name))
        }) else {
            continue;
        };
        let location = Location::Env(var.clone());
        let spec = schema::lookup(keys, name, section).map_err(|message| {
            let names: Vec<&str> = keys.iter().map(|k| k.name).collect();
            let hint = schema::closest(name, &names)
                .map(|near| {
                    format!(
                        " (VTCODE_{}_{})",
                        section.to_uppercase(),
                        near.to_uppercase()
                    )
                })
                .unwrap_or_default();
            ConfigError::invalid(location.clone(), format!("{message}{hint}"))
        })?;
        let dotted = format!("{section}.{name}");
        let value = schema::check_text(spec.kind, &dotted, text)
            .map_err(|message| ConfigError::invalid(location.clone(), message))?;
        layer.insert(dotted, value, &Origin::Env(var.clone()), location);
    }
    Ok(layer)
}

/// Reads `key.path=value` overrides from the command line.
pub(crate) fn from_cli(overrides: &[(String, String)]) -> Result<Layer, ConfigError> {
    let mut layer = Layer::default();
    for (key, text) in overrides {
        let location = Location::Cli(key.clone());
        let fail = |message: String| ConfigError::invalid(location.clone(), message);
        let parts: Vec<&str> = key.split('.').collect();
        let (keys, table, name): (&'static [KeySpec], String, &str) = match parts.as_slice() {
            ["mcp", "servers", server, field] => {
                check_server_name(server).map_err(fail)?;
                (SERVER_KEYS, format!("mcp.servers.{server}"), field)
            }
            [section, field] if schema::section_keys(section).is_some() => {
                let keys = schema::section_keys(section).unwrap_or_default();
                (keys, (*section).to_owned(), field)
            }
            [section, ..] if !SECTION_NAMES.contains(section) => {
                return Err(fail(schema::unknown_message(
                    "section",
                    section,
                    "",
                    SECTION_NAMES,
                )));
            }
            _ => {
                return Err(fail(format!(
                    "`{key}` is not a config key; write SECTION.KEY (like sandbox.pool_size) or mcp.servers.NAME.KEY"
                )));
            }
        };
        let spec = schema::lookup(keys, name, &table).map_err(fail)?;
        let value = schema::check_text(spec.kind, key, text).map_err(fail)?;
        layer.insert(key.clone(), value, &Origin::Cli, location.clone());
    }
    Ok(layer)
}

/// The path as messages show it: relative to `cwd` when inside it.
pub(crate) fn shown_path(path: &Path, cwd: &Path) -> PathBuf {
    path.strip_prefix(cwd)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}
