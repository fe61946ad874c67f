//! "Always allow this tool" answers, for one session.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use super::ToolApproval;

/// Shared by the model's direct calls and the programs of one session.
/// Keyed by `server.tool` and schema hash: a changed tool is a new key.
#[derive(Debug, Clone, Default)]
pub struct Grants(Arc<Mutex<HashSet<(String, String)>>>);

impl Grants {
    pub fn allows(&self, request: &ToolApproval) -> bool {
        self.lock().contains(&key(request))
    }

    pub fn grant(&self, request: &ToolApproval) {
        self.lock().insert(key(request));
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<(String, String)>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn key(request: &ToolApproval) -> (String, String) {
    (request.qualified_name(), request.schema_hash.clone())
}
