//! The numbered schema migrations, oldest first.
//!
//! A database records the last one applied in `PRAGMA user_version`. Add a
//! migration by appending the next number here with its SQL file in
//! `migrations/`; never edit one that has shipped.

/// One schema step.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Becomes the database's `user_version` once applied.
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "tool_catalog",
        sql: include_str!("migrations/0001_tool_catalog.sql"),
    },
    Migration {
        version: 2,
        name: "sessions",
        sql: include_str!("migrations/0002_sessions.sql"),
    },
    Migration {
        version: 3,
        name: "tool_history",
        sql: include_str!("migrations/0003_tool_history.sql"),
    },
    Migration {
        version: 4,
        name: "skills",
        sql: include_str!("migrations/0004_skills.sql"),
    },
    Migration {
        version: 5,
        name: "metrics",
        sql: include_str!("migrations/0005_metrics.sql"),
    },
    Migration {
        version: 6,
        name: "pii_audit",
        sql: include_str!("migrations/0006_pii_audit.sql"),
    },
    Migration {
        version: 7,
        name: "embeddings",
        sql: include_str!("migrations/0007_embeddings.sql"),
    },
];

/// The schema version this binary brings a database up to.
pub fn latest_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_count_up_from_one_without_gaps() {
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version as usize, index + 1, "{}", migration.name);
        }
    }
}
