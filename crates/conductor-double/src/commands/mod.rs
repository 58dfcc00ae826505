//! The non-agent commands, each returning what the real CLI prints: the read-only queries
//! (`inspect`) and the commands that copy agents around (`transfer`).

mod inspect;
mod transfer;

pub use inspect::{info, list, similar_agents, validate};
pub use transfer::{backup, install, migrate, restore};

const SEP50: &str = "==================================================";
const SEP60: &str = "============================================================";
/// The CLI names this location in messages whatever storage.path says.
const WS: &str = ".conductor_workspace/agents/";
