//! The real binary as an operator runs it: an installation directory holding
//! `config.toml`, the database and the logs, `switchboard run --campaign ID` spawned
//! against an in-test sandbox with a scrubbed environment (nothing from the developer's
//! shell leaks in), and the campaign's rows read back afterwards.

use chrono::Utc;
use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};
use switchboard::domain::{CampaignId, CampaignSettings};
use switchboard::sandbox::Sandbox;
use switchboard::store::attempts::AttemptRecord;
use switchboard::store::{CampaignRecord, LeadRecord, NewCampaign, NewLead, Store};

/// A temporary installation: one directory with the config file, the database, and the
/// stderr of every `run` started in it (`run-N.stderr`), read back when one fails.
pub struct Installation {
    pub dir: tempfile::TempDir,
    runs: usize,
}

impl Installation {
    /// With `SWITCHBOARD_TEST_KEEP` set the directory is kept (and its path printed), so
    /// a failed run's database and logs can be read afterwards.
    pub fn new(config_toml: &str) -> Self {
        let keep = std::env::var_os("SWITCHBOARD_TEST_KEEP").is_some();
        let dir = tempfile::Builder::new()
            .disable_cleanup(keep)
            .tempdir()
            .unwrap();
        if keep {
            eprintln!("installation kept in {}", dir.path().display());
        }
        std::fs::write(dir.path().join("config.toml"), config_toml).unwrap();
        Self { dir, runs: 0 }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("switchboard.db")
    }

    pub fn store(&self) -> Store {
        Store::open(self.db()).unwrap()
    }

    /// Creates a campaign with one lead per phone number, as the console would.
    pub async fn campaign(
        &self,
        settings: CampaignSettings,
        phones: impl IntoIterator<Item = String>,
    ) -> CampaignId {
        let phones: Vec<String> = phones.into_iter().collect();
        self.store()
            .write(move |conn| {
                let id = CampaignRecord::insert(
                    conn,
                    &NewCampaign {
                        settings,
                        now: Utc::now(),
                    },
                )?;
                for phone in phones {
                    let lead = NewLead {
                        phone,
                        ..NewLead::default()
                    };
                    LeadRecord::insert(conn, id, &lead, Utc::now())?;
                }
                Ok(id)
            })
            .await
            .unwrap()
    }

    /// Starts `switchboard run --campaign ID --grace-secs G` against `sandbox`. Only
    /// the variables set here reach it; its stderr goes to the next `run-N.stderr`.
    pub fn spawn_run(&mut self, sandbox: &Sandbox, campaign: CampaignId, grace_secs: u64) -> Run {
        self.runs += 1;
        let stderr_path = self.dir.path().join(format!("run-{}.stderr", self.runs));
        let stderr = File::create(&stderr_path).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args([
                "--config",
                self.dir.path().join("config.toml").to_str().unwrap(),
            ])
            .args(["--db", self.db().to_str().unwrap()])
            .args(["run", "--campaign", &campaign.0.to_string()])
            .args(["--grace-secs", &grace_secs.to_string()])
            .env_clear()
            .env("HOME", self.dir.path())
            .env("LIVEKIT_URL", sandbox.url())
            .env("LIVEKIT_API_KEY", sandbox.api_key())
            .env("LIVEKIT_API_SECRET", sandbox.api_secret())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(stderr))
            .spawn()
            .expect("the switchboard binary starts");
        Run { child, stderr_path }
    }

    pub async fn attempts(&self, campaign: CampaignId) -> Vec<AttemptRecord> {
        self.store()
            .read(move |conn| AttemptRecord::for_campaign(conn, campaign))
            .await
            .unwrap()
    }

    pub async fn leads(&self, campaign: CampaignId) -> Vec<LeadRecord> {
        self.store()
            .read(move |conn| {
                let mut stmt = conn.prepare(&format!(
                    "SELECT {} FROM leads WHERE campaign_id = ?1 ORDER BY id",
                    switchboard::store::LEAD_COLUMNS
                ))?;
                let rows = stmt.query_map([campaign.0], LeadRecord::from_row)?;
                rows.map(|r| r?).collect()
            })
            .await
            .unwrap()
    }

    /// How many timeline entries of this kind (`reconciled`, `dial_uncertain`) exist.
    pub async fn events_of_kind(&self, kind: &'static str) -> usize {
        self.event_details(kind).await.len()
    }

    /// The detail of every timeline entry of this kind, oldest first.
    pub async fn event_details(&self, kind: &'static str) -> Vec<String> {
        self.store()
            .read(move |conn| {
                let mut stmt =
                    conn.prepare("SELECT detail FROM attempt_events WHERE kind = ?1 ORDER BY id")?;
                let rows = stmt.query_map([kind], |r| r.get::<_, String>(0))?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .await
            .unwrap()
    }
}

/// One `switchboard run` process.
pub struct Run {
    pub child: Child,
    stderr_path: PathBuf,
}

impl Run {
    /// Waits up to `limit` for the process to exit by itself, checking every 5 ms.
    pub async fn exit_within(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// SIGKILL: no signal handler, no grace, no clean-up of any kind.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the process wrote to stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// Panics with the process's stderr unless it exited successfully.
    pub fn assert_success(&self, status: ExitStatus) {
        assert!(
            status.success(),
            "`switchboard run` failed ({status}) without being killed:\n{}",
            self.stderr()
        );
    }
}
