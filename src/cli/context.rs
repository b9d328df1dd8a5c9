use crate::config::{Config, Env};
use crate::paths::{PathFlags, Paths, PlatformDirs};
use color_eyre::Result;

/// What every command starts from: where the files are, the settings, and the
/// environment they were read with.
#[derive(Debug)]
pub struct Context {
    pub paths: Paths,
    pub config: Config,
    pub env: Env,
}

impl Context {
    /// Resolves the paths and reads the config file under the environment.
    pub fn load(flags: &PathFlags, env: Env, platform: Option<&PlatformDirs>) -> Result<Context> {
        let paths = Paths::resolve(flags, &env, platform)?;
        let config = Config::load(&paths.config_file, &env)?;
        Ok(Context { paths, config, env })
    }
}
