//! What the console asks of the world, and the one place that asks it. `App::update`
//! only changes state and returns `Effect`s as data; `Effects::run` carries them out
//! (a command to the engine, a read, a file preview, an import, leaving) and turns
//! every answer into an `Event` that comes back through `update`. Nothing else in the
//! console spawns a task or calls the engine, so tests of `update` need no runtime and
//! a change to the engine's door (`Link`) is adapted here alone.

use super::app::Exit;
use super::event::{Event, PageDirection, QueuePage, TimelinePage};
use super::forms::import::{self as import_form, ImportEvent};
use super::popups::lead_finder;
use super::port::{EngineCalls, ReplyReceiver};
use super::queue::{self, QueueLoad};
use super::timeline::{self, TimelineLoad};
use crate::domain::{CampaignId, LeadId};
use crate::engine::{Command, EngineError, Reply};
use crate::import::ImportReport;
use crate::service::protocol::{Answer, PageWay, Query};
use crate::service::Link;
use futures::future::BoxFuture;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Work `update` wants done. Each answer comes back as the `Event` named on its variant.
#[derive(Debug)]
pub enum Effect {
    /// A command to the engine, never waited for; `what` names it on the status line
    /// when its answer comes back (`Event::Reply`).
    Send { what: String, command: Command },
    /// A read the snapshot does not hold.
    Ask(Ask),
    /// Reads the first rows of a CSV file for the import form (`ImportEvent::Preview`).
    PreviewImport { path: PathBuf },
    /// Imports a CSV file into a campaign (`ImportEvent::Finished`).
    Import {
        campaign: CampaignId,
        path: PathBuf,
        region: String,
    },
    /// Starts a new engine on the database after the followed one went away
    /// (`Event::EngineStarted`).
    StartEngine,
    /// Leaves the console; whatever runs goes on running.
    Quit,
    /// Pauses these campaigns, waits a little for their answers, then leaves.
    PauseAllAndQuit(Vec<CampaignId>),
    /// Leaves because of SIGTERM, SIGHUP or the terminal gone.
    QuitOnSignal,
}

/// The reads the console makes, each answered by its own event.
#[derive(Debug, Clone, PartialEq)]
pub enum Ask {
    /// A page of the queue (`Event::QueuePage`).
    QueuePage {
        load: QueueLoad,
        filter: Option<String>,
    },
    /// A page of the timeline (`Event::TimelinePage`).
    TimelinePage {
        campaign: CampaignId,
        load: TimelineLoad,
    },
    /// A lead with its calls, for the detail popup (`Event::Detail`).
    LeadHistory { lead: LeadId },
    /// A campaign's caller IDs with their health (`Event::CallerIds`).
    CallerIds { campaign: CampaignId },
    /// A campaign's stored record, to open the edit form (`Event::CampaignLoaded`).
    Campaign { campaign: CampaignId },
    /// A campaign's A/B table for the agents popup (`Event::Variants`).
    Variants { campaign: CampaignId },
    /// The project's trunks for the agents popup (`Event::Trunks`).
    Trunks,
    /// A page of leads for the lead finder (`Event::LeadPage`). `debounce`: asked as
    /// the operator types, so it waits `DEBOUNCE` and is dropped if a newer search was
    /// asked meanwhile; a keystroke costs the engine nothing.
    LeadSearch {
        request: u64,
        campaign: Option<CampaignId>,
        text: Option<String>,
        after: Option<LeadId>,
        debounce: bool,
    },
    /// A campaign's chart series for the charts view (`Event::Charts`).
    Charts { campaign: CampaignId },
}

/// How long typing must pause before the lead finder asks the engine.
pub const DEBOUNCE: std::time::Duration = std::time::Duration::from_millis(150);

/// Carries out effects against the engine; answers go to `answers`.
pub struct Effects {
    engine: Arc<dyn EngineCalls>,
    answers: mpsc::UnboundedSender<Event>,
    start_engine: Option<crate::tui::port::EngineStarter>,
    /// The newest lead search asked, so a debounced one that was overtaken is not sent.
    latest_lead_search: Arc<AtomicU64>,
}

impl Effects {
    pub fn new(engine: Arc<dyn EngineCalls>, answers: mpsc::UnboundedSender<Event>) -> Effects {
        Effects {
            engine,
            answers,
            start_engine: None,
            latest_lead_search: Arc::default(),
        }
    }

    /// These effects, able to start a new engine (`Effect::StartEngine`).
    pub fn with_starter(self, start: Option<crate::tui::port::EngineStarter>) -> Effects {
        Effects {
            start_engine: start,
            ..self
        }
    }

    /// Starts `effect` without waiting for it. Leaving effects say how the console
    /// leaves; every other answer arrives later as an event.
    pub fn run(&self, effect: Effect) -> Option<Exit> {
        match effect {
            Effect::Send { what, command } => match self.engine.try_send(command) {
                Ok(reply) => self.answer_later(async move {
                    let result = reply.await.unwrap_or(Err(EngineError::Stopped));
                    Event::Reply { what, result }
                }),
                Err(e) => self.answer(Event::Reply {
                    what,
                    result: Err(e),
                }),
            },
            Effect::Ask(ask) => self.ask(ask),
            Effect::PreviewImport { path } => {
                let answers = self.answers.clone();
                // Reading a file blocks: off the runtime's threads.
                tokio::task::spawn_blocking(move || {
                    let result = import_form::read_preview(&path);
                    let _ = answers.send(Event::Import(ImportEvent::Preview { path, result }));
                });
            }
            Effect::Import {
                campaign,
                path,
                region,
            } => {
                let imported = self.engine.import_file(campaign, path, region);
                self.answer_later(async move {
                    let result = imported.await.map(Box::new).map_err(|e| e.to_string());
                    Event::Import(ImportEvent::Finished(result))
                });
            }
            Effect::StartEngine => {
                let started = match &self.start_engine {
                    Some(start) => start(),
                    None => Box::pin(async { Err(strings_no_starter()) }),
                };
                self.answer_later(async move { Event::EngineStarted(started.await) });
            }
            Effect::Quit => return Some(Exit::Quit),
            Effect::PauseAllAndQuit(campaigns) => {
                let replies: Vec<ReplyReceiver> = campaigns
                    .into_iter()
                    .filter_map(|id| self.engine.try_send(Command::Pause(id)).ok())
                    .collect();
                return Some(Exit::PauseAndQuit(replies));
            }
            Effect::QuitOnSignal => return Some(Exit::Signal),
        }
        None
    }

    fn ask(&self, ask: Ask) {
        match ask {
            Ask::QueuePage { load, filter } => {
                let QueueLoad {
                    campaign,
                    request,
                    direction,
                    from,
                } = load;
                let (way, from) = match direction {
                    PageDirection::First => (PageWay::After, None),
                    PageDirection::After => (PageWay::After, from),
                    PageDirection::Last => (PageWay::Before, None),
                    PageDirection::Before => (PageWay::Before, from),
                };
                let query = Query::QueuePage {
                    campaign,
                    way,
                    from,
                    limit: queue::PAGE,
                    filter,
                };
                self.query(
                    query,
                    |answer| match answer {
                        Answer::QueuePage(rows) => Ok(rows),
                        other => Err(other),
                    },
                    move |rows| {
                        Event::QueuePage(QueuePage {
                            campaign,
                            request,
                            direction,
                            rows,
                        })
                    },
                );
            }
            Ask::TimelinePage { campaign, load } => {
                let (before, after) = match load {
                    TimelineLoad::Newest { .. } => (None, None),
                    TimelineLoad::Older { before, .. } => (before, None),
                    TimelineLoad::Newer { after, .. } => (None, Some(after)),
                };
                let query = Query::TimelinePage {
                    campaign,
                    before,
                    after,
                    limit: timeline::PAGE,
                };
                self.query(
                    query,
                    |answer| match answer {
                        Answer::TimelinePage(rows) => Ok(rows),
                        other => Err(other),
                    },
                    move |rows| {
                        Event::TimelinePage(TimelinePage {
                            campaign,
                            load,
                            rows,
                        })
                    },
                );
            }
            Ask::LeadHistory { lead } => self.query(
                Query::LeadHistory { lead },
                |answer| match answer {
                    Answer::LeadHistory(history) => Ok(*history),
                    other => Err(other),
                },
                move |result| Event::Detail { lead, result },
            ),
            Ask::CallerIds { campaign } => self.query(
                Query::CallerIds { campaign },
                |answer| match answer {
                    Answer::CallerIds(rows) => Ok(rows),
                    other => Err(other),
                },
                move |result| Event::CallerIds { campaign, result },
            ),
            Ask::Campaign { campaign } => self.query(
                Query::Campaign { campaign },
                |answer| match answer {
                    Answer::Campaign(record) => Ok(record),
                    other => Err(other),
                },
                Event::CampaignLoaded,
            ),
            Ask::Variants { campaign } => self.query(
                Query::VariantReport { campaign },
                |answer| match answer {
                    Answer::VariantReport(report) => Ok(report),
                    other => Err(other),
                },
                move |result| Event::Variants { campaign, result },
            ),
            Ask::LeadSearch {
                request,
                campaign,
                text,
                after,
                debounce,
            } => {
                self.latest_lead_search.store(request, Ordering::Relaxed);
                let latest = self.latest_lead_search.clone();
                let engine = self.engine.clone();
                let query = Query::LeadSearch {
                    campaign,
                    text,
                    state: None,
                    outcome: None,
                    after,
                    limit: lead_finder::PAGE,
                };
                let answers = self.answers.clone();
                tokio::spawn(async move {
                    if debounce {
                        tokio::time::sleep(DEBOUNCE).await;
                        if latest.load(Ordering::Relaxed) != request {
                            return;
                        }
                    }
                    let result = engine.query(query).await.and_then(|answer| match answer {
                        Answer::LeadPage(page) => Ok(page),
                        other => Err(unexpected(&other)),
                    });
                    let _ = answers.send(Event::LeadPage { request, result });
                });
            }
            Ask::Charts { campaign } => self.query(
                Query::Charts { campaign },
                |answer| match answer {
                    Answer::Charts(series) => Ok(series),
                    other => Err(other),
                },
                move |result| Event::Charts { campaign, result },
            ),
            // The trunk list is a command (it asks LiveKit), answered like a read.
            Ask::Trunks => match self.engine.try_send(Command::ListTrunks) {
                Ok(reply) => self.answer_later(async move {
                    let result = match reply.await.unwrap_or(Err(EngineError::Stopped)) {
                        Ok(Reply::Trunks(trunks)) => Ok(trunks),
                        Ok(_) => Err(EngineError::Refused("unexpected reply".into())),
                        Err(e) => Err(e),
                    };
                    Event::Trunks(result)
                }),
                Err(e) => self.answer(Event::Trunks(Err(e))),
            },
        }
    }

    /// Asks `query`; `pick` takes the answer it expects, `event` wraps the result.
    fn query<T: Send + 'static>(
        &self,
        query: Query,
        pick: fn(Answer) -> Result<T, Answer>,
        event: impl FnOnce(Result<T, EngineError>) -> Event + Send + 'static,
    ) {
        let asked = self.engine.query(query);
        self.answer_later(async move {
            let result = asked
                .await
                .and_then(|answer| pick(answer).map_err(|other| unexpected(&other)));
            event(result)
        });
    }

    fn answer_later(&self, answer: impl Future<Output = Event> + Send + 'static) {
        let answers = self.answers.clone();
        tokio::spawn(async move {
            let _ = answers.send(answer.await);
        });
    }

    fn answer(&self, event: Event) {
        let _ = self.answers.send(event);
    }
}

/// An answer to a different query than the one asked: the engine and the console
/// disagree on the protocol.
fn unexpected(answer: &Answer) -> EngineError {
    EngineError::Refused(format!(
        "the engine answered with something else than what was asked ({answer:?})"
    ))
}

/// The real engine behind the console's door: the only calls the console makes on a
/// `Link`, so a change to the link's API is adapted here.
impl EngineCalls for Link {
    fn try_send(&self, command: Command) -> Result<ReplyReceiver, EngineError> {
        Link::try_send(self, command)
    }

    fn query(&self, query: Query) -> BoxFuture<'static, Result<Answer, EngineError>> {
        let link = self.clone();
        Box::pin(async move { link.query(query).await })
    }

    fn import_file(
        &self,
        campaign: CampaignId,
        path: PathBuf,
        region: String,
    ) -> BoxFuture<'static, Result<ImportReport, EngineError>> {
        let link = self.clone();
        Box::pin(async move { link.import_file(campaign, path, region).await })
    }
}

/// Why a console that holds its engine itself cannot start another.
fn strings_no_starter() -> String {
    crate::tui::strings::ENGINE_NOT_STARTABLE.to_owned()
}
