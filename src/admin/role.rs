//! Console roles: `Agent < Editor < Admin`.

use serde::{Deserialize, Serialize};

/// What a console user may do; a higher role may do everything a lower one may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Serves taxpayers in the agent desk.
    Agent,
    /// Maintains the knowledge base.
    Editor,
    /// Manages users and reads the audit log.
    Admin,
}

impl Role {
    /// True when this role may do what `needed` may.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }

    /// The lowercase name stored and sent to clients.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    /// Parses a lowercase role name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "agent" => Some(Role::Agent),
            "editor" => Some(Role::Editor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn higher_roles_include_lower_ones() {
        assert!(Role::Admin.allows(Role::Editor) && Role::Admin.allows(Role::Agent));
        assert!(Role::Editor.allows(Role::Agent) && !Role::Editor.allows(Role::Admin));
        assert!(!Role::Agent.allows(Role::Editor));
        for r in [Role::Agent, Role::Editor, Role::Admin] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert_eq!(serde_json::to_value(r).expect("serializes"), serde_json::json!(r.as_str()));
        }
        assert_eq!(Role::parse("Admin"), None);
    }
}
