//! Configuration: typed settings, their layered loading and secret wrapping.
//!
//! Defaults, then `config.yaml`, then the environment (the old service's flat
//! names, then nested `GATEWAY_SECTION__KEY` names). Nothing else in the crate
//! reads environment variables.

mod access;
mod llm;
mod load;
mod secret;
mod settings;

pub use access::{
    ANONYMOUS, AgentSettings, ApiKeySetting, AuthSettings, DestructivePolicy, is_loopback,
};
pub use llm::LlmSettings;
pub use load::{ConfigError, ConfigSource, child_env, load, no_color};
pub use secret::Secret;
pub use settings::{
    ConductorSettings, JobSettings, LimitSettings, LogFormat, McpSettings, ServerSettings,
    Settings, StoreBackend, StoreSettings,
};
