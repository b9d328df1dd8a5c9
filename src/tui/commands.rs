//! The `:` commands, one line each: the word typed and the `Action` it runs, the same
//! action its key runs, so a command works exactly when the key does (`available`) and
//! says why not the same way. Completion, help and parsing all read this table.

use super::action::Action;

/// One command of the `:` line.
#[derive(Debug, Clone, Copy)]
pub struct Command {
    pub name: &'static str,
    /// The argument's name in help (`NAME`), for a command that takes one.
    pub argument: Option<&'static str>,
    /// The action run with the argument typed, if any. An action variant that carries
    /// its argument is such a function itself.
    pub action: fn(Option<String>) -> Action,
}

const fn plain(name: &'static str, action: fn(Option<String>) -> Action) -> Command {
    Command {
        name,
        argument: None,
        action,
    }
}

/// Every command, in the order completion offers them.
pub const COMMANDS: &[Command] = &[
    plain("start", |_| Action::Start),
    plain("pause", |_| Action::Pause),
    plain("resume", |_| Action::Resume),
    plain("stop", |_| Action::Stop),
    plain("charts", |_| Action::Charts),
    Command {
        name: "lead",
        argument: Some("NAME"),
        action: |_| Action::FindLead,
    },
    plain("agents", |_| Action::Agents),
    plain("new", |_| Action::NewCampaign),
    plain("edit", |_| Action::EditCampaign),
    plain("import", |_| Action::Import),
    plain("dnc", |_| Action::AddDnc),
    plain("delete", |_| Action::DeleteCampaign),
    plain("follow", |_| Action::Follow),
    plain("help", |_| Action::Help),
    plain("quit", |_| Action::Quit),
    plain("q", |_| Action::Quit),
];

/// The command named exactly `name`.
pub fn find(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// The names that start with `prefix`, in table order.
pub fn starting_with(prefix: &str) -> Vec<&'static Command> {
    COMMANDS
        .iter()
        .filter(|c| c.name.starts_with(prefix))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_and_plain_commands_ignore_arguments() {
        let names: HashSet<&str> = COMMANDS.iter().map(|c| c.name).collect();
        assert_eq!(names.len(), COMMANDS.len());
        let pause = find("pause").unwrap();
        assert_eq!((pause.action)(None), Action::Pause);
        assert_eq!((find("q").unwrap().action)(None), Action::Quit);
        assert!(find("pa").is_none());
        let names: Vec<&str> = starting_with("s").iter().map(|c| c.name).collect();
        assert_eq!(names, ["start", "stop"]);
    }
}
