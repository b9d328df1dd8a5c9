//! How a failed `CreateSIPParticipant` becomes a `DialFailure`: the one table.
//!
//! The SIP status in the Twirp error meta (`sip_status_code`) decides first, because the
//! Twirp code LiveKit picks for a SIP status has changed between protocol versions
//! (reference/livekit-protocol.md §2.3): busy (486) is `failed_precondition` from 1.52,
//! `resource_exhausted` in 1.50–1.51 and `unavailable` before #1305, where 603 and 503
//! were `unavailable` too. Only without a SIP status does the Twirp code decide, and
//! there `resource_exhausted`/`unavailable` really are LiveKit itself being overloaded
//! or down.

use super::api_error::{self, code, ApiFailure, CREDENTIALS_FIX};
use super::types::DialFailure;
use crate::domain::Outcome;

/// What the failure means, before it is dressed as a `DialFailure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// The phone network ended the call this way.
    Call(Outcome),
    /// `not_found` without a SIP status: the campaign's trunk id is wrong.
    UnknownTrunk,
    /// The trunk has no numbers and the campaign sent no caller ID.
    NoCallerId,
    BadCredentials,
    /// The URL answers, but not like LiveKit's SIP service.
    NotLiveKit,
    /// The request could not be built (bad URL, unusable key).
    BadClientSetup,
    /// LiveKit unreachable, failing or overloaded: no call was placed.
    Outage {
        rate_limited: bool,
    },
    /// The request reached LiveKit but no answer came back (timeout, connection lost):
    /// the phone may be ringing.
    Uncertain,
}

/// The table. Rows are tried top to bottom; each has a test below.
fn verdict(failure: &ApiFailure) -> Verdict {
    use Outcome::*;
    use Verdict::*;
    match failure {
        ApiFailure::Twirp {
            sip_status_code: Some(sip),
            ..
        } => match sip {
            486 | 600 => Call(Busy),
            408 | 480 | 487 => Call(NoAnswer),
            603 | 607 | 608 => Call(Rejected),
            400 | 404 | 410 | 484 | 485 | 604 => Call(InvalidNumber),
            // The carrier refused our credentials: the trunk, not the callee.
            401 | 403 | 407 => Call(TrunkFailure),
            // LiveKit does not follow redirects; 488/606 mean no common codec.
            300..=399 | 488 | 606 => Call(TrunkFailure),
            500..=599 => Call(TrunkFailure),
            400..=499 | 600..=699 => Call(Rejected),
            _ => Call(Error),
        },
        // A SIP reason phrase without a readable code: a SIP failure we cannot classify.
        ApiFailure::Twirp {
            sip_status: Some(_),
            ..
        } => Call(Error),
        ApiFailure::Twirp {
            code: twirp, msg, ..
        } => match twirp.as_str() {
            // The ringing timeout ("sip request timed out") cancels the INVITE. A trunk
            // that never answers the INVITE at all ends the transaction the same way.
            code::CANCELED if msg.contains("transaction failed to complete") => Call(TrunkFailure),
            code::CANCELED => Call(NoAnswer),
            // LiveKit's own budget (80 s with wait_until_answered) ran out while ringing.
            code::DEADLINE_EXCEEDED => Call(NoAnswer),
            code::NOT_FOUND => UnknownTrunk,
            code::UNAUTHENTICATED | code::PERMISSION_DENIED => BadCredentials,
            code::FAILED_PRECONDITION if msg.contains("no numbers on outbound trunk") => NoCallerId,
            // Digest-auth loops, network errors after the INVITE, no common codec.
            code::FAILED_PRECONDITION => Call(TrunkFailure),
            code::INVALID_ARGUMENT
                if msg.contains("callee number") || msg.contains("phone number") =>
            {
                Call(InvalidNumber)
            }
            // The trunk's host does not resolve.
            code::INVALID_ARGUMENT if msg.contains("lookup") || msg.contains("no such host") => {
                Call(TrunkFailure)
            }
            code::RESOURCE_EXHAUSTED => Outage { rate_limited: true },
            code::INTERNAL
            | code::UNAVAILABLE
            | code::UNKNOWN
            | code::DATA_LOSS
            | code::DATA_LOSS_CRATE => Outage {
                rate_limited: false,
            },
            code::BAD_ROUTE | code::UNIMPLEMENTED => NotLiveKit,
            _ => Call(Error),
        },
        ApiFailure::Transport {
            reached_server: true,
            ..
        } => Uncertain,
        ApiFailure::Transport { .. } => Outage {
            rate_limited: false,
        },
        ApiFailure::NotTwirp { .. } => BadCredentials,
        ApiFailure::BadResponse { .. } => NotLiveKit,
        ApiFailure::Client { .. } => BadClientSetup,
    }
}

/// The `DialFailure` for a failed dial on `trunk_id`, keeping what LiveKit said (Twirp
/// code, SIP status code and text) so the operator sees it.
pub fn dial_failure(failure: &ApiFailure, trunk_id: &str) -> DialFailure {
    let detail = failure.describe();
    match verdict(failure) {
        Verdict::Call(outcome) => match failure {
            ApiFailure::Twirp { code, msg, sip_status_code, sip_status } => DialFailure::Call {
                outcome,
                sip_status_code: *sip_status_code,
                sip_status: sip_status.clone(),
                twirp_code: code.clone(),
                message: msg.clone(),
            },
            // Only Twirp answers describe calls; keep the fallback honest anyway.
            _ => DialFailure::Call {
                outcome,
                sip_status_code: None,
                sip_status: None,
                twirp_code: String::new(),
                message: detail,
            },
        },
        Verdict::UnknownTrunk => DialFailure::Configuration {
            problem: format!("trunk {trunk_id} does not exist on this LiveKit project ({detail})"),
            fix: "list trunks with `switchboard trunks` and set the campaign's trunk to one of them".into(),
        },
        Verdict::NoCallerId => DialFailure::Configuration {
            problem: format!("trunk {trunk_id} has no phone numbers and the campaign has no caller ID ({detail})"),
            fix: "set the campaign's caller ID, or add a number to the trunk (see `switchboard trunks`)".into(),
        },
        Verdict::BadCredentials => DialFailure::Configuration {
            problem: match failure {
                ApiFailure::NotTwirp { .. } => api_error::not_twirp_problem(),
                _ => format!("LiveKit did not accept the API key and secret ({detail})"),
            },
            fix: CREDENTIALS_FIX.into(),
        },
        Verdict::NotLiveKit => DialFailure::Configuration {
            problem: format!("the server at LIVEKIT_URL does not answer like LiveKit with SIP ({detail})"),
            fix: "check LIVEKIT_URL (or url under [livekit] in config.toml)".into(),
        },
        Verdict::BadClientSetup => DialFailure::Configuration {
            problem: detail,
            fix: format!("check LIVEKIT_URL; {CREDENTIALS_FIX}"),
        },
        Verdict::Uncertain => DialFailure::Uncertain { message: detail },
        Verdict::Outage { rate_limited } => DialFailure::Infrastructure {
            message: detail,
            twirp_code: failure.twirp_code().map(str::to_string),
            rate_limited,
        },
    }
}

#[cfg(test)]
mod tests {
    //! One test per row, built as `livekit-api` hands the error to us.
    use super::*;
    use livekit_api::services::{ServerError, ServerErrorCode, ServiceError};
    use std::collections::HashMap;

    const TRUNK: &str = "ST_test";

    fn twirp(code: &str, msg: &str, meta: &[(&str, &str)]) -> ServiceError {
        ServiceError::Twirp(ServerError::Twirp(ServerErrorCode {
            code: code.into(),
            msg: msg.into(),
            meta: meta
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<HashMap<_, _>>(),
        }))
    }

    fn sip(code: &str, status: u16, reason: &str) -> DialFailure {
        let err = twirp(
            code,
            &format!("INVITE failed: sip status: {status}: {reason}"),
            &[
                ("sip_status_code", &status.to_string()),
                ("sip_status", reason),
                ("error_details", "CAkS"),
            ],
        );
        dial_failure(&ApiFailure::from_service_error(&err), TRUNK)
    }

    fn plain(code: &str, msg: &str) -> DialFailure {
        dial_failure(
            &ApiFailure::from_service_error(&twirp(code, msg, &[])),
            TRUNK,
        )
    }

    fn outcome(failure: &DialFailure) -> Option<Outcome> {
        match failure {
            DialFailure::Call { outcome, .. } => Some(*outcome),
            _ => None,
        }
    }

    fn assert_call(
        failure: DialFailure,
        expected: Outcome,
        sip_code: Option<i32>,
        twirp_code: &str,
    ) {
        match &failure {
            DialFailure::Call {
                outcome,
                sip_status_code,
                twirp_code: got,
                ..
            } => {
                assert_eq!(*outcome, expected, "{failure:?}");
                assert_eq!(*sip_status_code, sip_code, "{failure:?}");
                assert_eq!(got, twirp_code, "{failure:?}");
            }
            other => panic!("expected a {expected} call outcome, got {other:?}"),
        }
    }

    fn assert_infrastructure(failure: DialFailure, rate_limited: bool) {
        match failure {
            DialFailure::Infrastructure {
                rate_limited: got, ..
            } => assert_eq!(got, rate_limited),
            other => panic!("expected an infrastructure failure, got {other:?}"),
        }
    }

    fn assert_configuration(failure: DialFailure, problem_has: &str, fix_has: &str) {
        match failure {
            DialFailure::Configuration { problem, fix } => {
                assert!(
                    problem.contains(problem_has),
                    "problem {problem:?} lacks {problem_has:?}"
                );
                assert!(fix.contains(fix_has), "fix {fix:?} lacks {fix_has:?}");
            }
            other => panic!("expected a configuration failure, got {other:?}"),
        }
    }

    // SIP status rows: the status decides whatever the Twirp code (1.52 codes here).

    #[test]
    fn sip_486_and_600_are_busy() {
        assert_call(
            sip("failed_precondition", 486, "Busy Here"),
            Outcome::Busy,
            Some(486),
            "failed_precondition",
        );
        assert_call(
            sip("resource_exhausted", 600, "Busy Everywhere"),
            Outcome::Busy,
            Some(600),
            "resource_exhausted",
        );
    }

    #[test]
    fn sip_408_480_487_are_no_answer() {
        assert_call(
            sip("deadline_exceeded", 408, "Request Timeout"),
            Outcome::NoAnswer,
            Some(408),
            "deadline_exceeded",
        );
        assert_call(
            sip("failed_precondition", 480, "Temporarily Unavailable"),
            Outcome::NoAnswer,
            Some(480),
            "failed_precondition",
        );
        assert_call(
            sip("aborted", 487, "Request Terminated"),
            Outcome::NoAnswer,
            Some(487),
            "aborted",
        );
    }

    #[test]
    fn sip_603_607_608_are_rejected() {
        assert_call(
            sip("permission_denied", 603, "Decline"),
            Outcome::Rejected,
            Some(603),
            "permission_denied",
        );
        assert_call(
            sip("permission_denied", 607, "Unwanted"),
            Outcome::Rejected,
            Some(607),
            "permission_denied",
        );
        assert_call(
            sip("permission_denied", 608, "Rejected"),
            Outcome::Rejected,
            Some(608),
            "permission_denied",
        );
    }

    #[test]
    fn sip_404_484_604_400_410_485_are_invalid_numbers() {
        for (code, status) in [
            ("not_found", 404),
            ("invalid_argument", 484),
            ("not_found", 604),
            ("invalid_argument", 400),
            ("not_found", 410),
            ("invalid_argument", 485),
        ] {
            assert_call(
                sip(code, status, "x"),
                Outcome::InvalidNumber,
                Some(status as i32),
                code,
            );
        }
    }

    #[test]
    fn sip_401_403_407_are_trunk_auth_failures() {
        assert_call(
            sip("permission_denied", 403, "Forbidden"),
            Outcome::TrunkFailure,
            Some(403),
            "permission_denied",
        );
        assert_call(
            sip("permission_denied", 401, "Unauthorized"),
            Outcome::TrunkFailure,
            Some(401),
            "permission_denied",
        );
        assert_call(
            sip("unauthenticated", 407, "Proxy Authentication Required"),
            Outcome::TrunkFailure,
            Some(407),
            "unauthenticated",
        );
    }

    #[test]
    fn sip_3xx_488_606_are_trunk_failures() {
        assert_call(
            sip("not_found", 302, "Moved Temporarily"),
            Outcome::TrunkFailure,
            Some(302),
            "not_found",
        );
        assert_call(
            sip("invalid_argument", 488, "Not Acceptable Here"),
            Outcome::TrunkFailure,
            Some(488),
            "invalid_argument",
        );
        assert_call(
            sip("invalid_argument", 606, "Not Acceptable"),
            Outcome::TrunkFailure,
            Some(606),
            "invalid_argument",
        );
    }

    #[test]
    fn sip_5xx_from_the_trunk_is_a_trunk_failure() {
        for status in [500, 502, 503, 599] {
            assert_call(
                sip("failed_precondition", status, "x"),
                Outcome::TrunkFailure,
                Some(status as i32),
                "failed_precondition",
            );
        }
        assert_call(
            sip("deadline_exceeded", 504, "Server Time-out"),
            Outcome::TrunkFailure,
            Some(504),
            "deadline_exceeded",
        );
    }

    #[test]
    fn other_sip_4xx_and_6xx_are_rejected() {
        assert_call(
            sip("invalid_argument", 420, "Bad Extension"),
            Outcome::Rejected,
            Some(420),
            "invalid_argument",
        );
        assert_call(
            sip("invalid_argument", 699, "x"),
            Outcome::Rejected,
            Some(699),
            "invalid_argument",
        );
    }

    #[test]
    fn sip_codes_outside_the_final_ranges_are_errors() {
        assert_call(
            sip("unknown", 183, "Session Progress"),
            Outcome::Error,
            Some(183),
            "unknown",
        );
    }

    #[test]
    fn sip_reason_without_a_readable_code_is_an_error() {
        let err = twirp("failed_precondition", "odd", &[("sip_status", "Busy Here")]);
        let failure = dial_failure(&ApiFailure::from_service_error(&err), TRUNK);
        assert_eq!(outcome(&failure), Some(Outcome::Error));
        assert!(
            matches!(failure, DialFailure::Call { sip_status: Some(s), .. } if s == "Busy Here")
        );
    }

    // Version drift: the same SIP status under older servers' Twirp codes.

    #[test]
    fn busy_under_protocol_1_50_resource_exhausted_is_still_busy() {
        assert_call(
            sip("resource_exhausted", 486, "Busy Here"),
            Outcome::Busy,
            Some(486),
            "resource_exhausted",
        );
        assert_call(
            sip("resource_exhausted", 480, "Temporarily Unavailable"),
            Outcome::NoAnswer,
            Some(480),
            "resource_exhausted",
        );
    }

    #[test]
    fn pre_1305_unavailable_with_a_sip_status_is_a_call_outcome_not_an_outage() {
        assert_call(
            sip("unavailable", 486, "Busy Here"),
            Outcome::Busy,
            Some(486),
            "unavailable",
        );
        assert_call(
            sip("unavailable", 603, "Decline"),
            Outcome::Rejected,
            Some(603),
            "unavailable",
        );
        assert_call(
            sip("unavailable", 503, "Service Unavailable"),
            Outcome::TrunkFailure,
            Some(503),
            "unavailable",
        );
        assert_call(
            sip("invalid_argument", 404, "Not Found"),
            Outcome::InvalidNumber,
            Some(404),
            "invalid_argument",
        );
        assert_call(
            sip("internal", 410, "Gone"),
            Outcome::InvalidNumber,
            Some(410),
            "internal",
        );
    }

    // Twirp-code rows: no SIP status in the meta.

    #[test]
    fn canceled_ringing_timeout_is_no_answer() {
        let failure = plain("canceled", "sip request timed out");
        assert_call(failure.clone(), Outcome::NoAnswer, None, "canceled");
        assert!(
            matches!(failure, DialFailure::Call { message, .. } if message == "sip request timed out")
        );
    }

    #[test]
    fn canceled_transaction_without_final_response_is_a_trunk_failure() {
        assert_call(
            plain(
                "canceled",
                "transaction failed to complete (0 intermediate responses)",
            ),
            Outcome::TrunkFailure,
            None,
            "canceled",
        );
    }

    #[test]
    fn deadline_exceeded_without_sip_status_is_no_answer() {
        assert_call(
            plain("deadline_exceeded", "request timed out"),
            Outcome::NoAnswer,
            None,
            "deadline_exceeded",
        );
    }

    #[test]
    fn not_found_without_sip_status_is_an_unknown_trunk() {
        assert_configuration(
            plain("not_found", "requested sip trunk does not exist"),
            "trunk ST_test does not exist",
            "`switchboard trunks`",
        );
    }

    #[test]
    fn unauthenticated_and_permission_denied_without_sip_status_are_bad_credentials() {
        assert_configuration(
            plain("unauthenticated", "permissions denied"),
            "API key",
            "LIVEKIT_API_SECRET",
        );
        assert_configuration(
            plain("permission_denied", "mock: permission denied"),
            "API key",
            "LIVEKIT_API_KEY",
        );
    }

    #[test]
    fn failed_precondition_no_numbers_asks_for_a_caller_id() {
        assert_configuration(
            plain("failed_precondition", "no numbers on outbound trunk"),
            "ST_test",
            "caller ID",
        );
    }

    #[test]
    fn failed_precondition_without_sip_status_is_a_trunk_failure() {
        assert_call(
            plain(
                "failed_precondition",
                "max auth retry attempts reached for SIP invite",
            ),
            Outcome::TrunkFailure,
            None,
            "failed_precondition",
        );
    }

    #[test]
    fn invalid_argument_about_the_callee_is_an_invalid_number() {
        assert_call(
            plain("invalid_argument", "missing sip callee number"),
            Outcome::InvalidNumber,
            None,
            "invalid_argument",
        );
    }

    #[test]
    fn invalid_argument_from_a_dns_failure_is_a_trunk_failure() {
        assert_call(
            plain(
                "invalid_argument",
                "lookup sip.example.invalid: no such host",
            ),
            Outcome::TrunkFailure,
            None,
            "invalid_argument",
        );
    }

    #[test]
    fn resource_exhausted_without_sip_status_is_rate_limiting() {
        let failure = plain("resource_exhausted", "rate limit exceeded");
        assert!(
            matches!(&failure, DialFailure::Infrastructure { twirp_code: Some(c), .. } if c == "resource_exhausted")
        );
        assert_infrastructure(failure, true);
    }

    #[test]
    fn server_errors_without_sip_status_are_outages() {
        for code in [
            "internal",
            "unavailable",
            "unknown",
            "data_loss",
            "dataloss",
        ] {
            assert_infrastructure(plain(code, "no response from servers"), false);
        }
    }

    #[test]
    fn bad_route_and_unimplemented_mean_the_url_is_not_livekit() {
        assert_configuration(
            plain("bad_route", "no handler"),
            "LIVEKIT_URL",
            "LIVEKIT_URL",
        );
        assert_configuration(
            plain("unimplemented", "no sip"),
            "LIVEKIT_URL",
            "LIVEKIT_URL",
        );
    }

    #[test]
    fn other_twirp_codes_are_errors() {
        assert_call(
            plain("already_exists", "x"),
            Outcome::Error,
            None,
            "already_exists",
        );
        assert_call(plain("aborted", "x"), Outcome::Error, None, "aborted");
    }

    #[test]
    fn a_request_that_never_connected_is_an_outage_one_that_did_is_uncertain() {
        let refused = ApiFailure::Transport {
            timed_out: false,
            reached_server: false,
            message: "cannot reach LiveKit: connection refused".into(),
        };
        assert_infrastructure(dial_failure(&refused, TRUNK), false);
        let timeout = ApiFailure::Transport {
            timed_out: true,
            reached_server: true,
            message: "timed out".into(),
        };
        assert!(matches!(
            dial_failure(&timeout, TRUNK),
            DialFailure::Uncertain { message } if message == "timed out"
        ));
        let dropped = ApiFailure::Transport {
            timed_out: false,
            reached_server: true,
            message: "connection closed before message completed".into(),
        };
        assert!(matches!(
            dial_failure(&dropped, TRUNK),
            DialFailure::Uncertain { .. }
        ));
    }

    #[test]
    fn a_non_twirp_error_answer_like_a_plain_text_401_is_bad_credentials() {
        let failure = ApiFailure::NotTwirp {
            message: "error decoding response body".into(),
        };
        assert_configuration(
            dial_failure(&failure, TRUNK),
            "plain-text error",
            "LIVEKIT_API_KEY",
        );
    }

    #[test]
    fn an_undecodable_200_means_the_url_is_not_livekit() {
        let failure = ApiFailure::BadResponse {
            message: "failed to decode Protobuf message".into(),
        };
        assert_configuration(dial_failure(&failure, TRUNK), "LIVEKIT_URL", "LIVEKIT_URL");
    }

    #[test]
    fn a_request_that_cannot_be_built_is_configuration() {
        let failure = ApiFailure::Client {
            message: "bad LiveKit URL: relative URL without a base".into(),
        };
        assert_configuration(
            dial_failure(&failure, TRUNK),
            "bad LiveKit URL",
            "LIVEKIT_URL",
        );
    }
}
