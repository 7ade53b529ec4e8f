//! Input problems, each located in the input it came from: a file and line, a file and JSON path, or a key of
//! the mapping file. All of them are collected and reported together.

use std::fmt;
use std::sync::Arc;

/// Where in the input a problem is.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    /// The file (or `<stdin>`) as the caller named it; shared by every place in it.
    pub file: Arc<str>,
    /// Where inside it.
    pub at: At,
}

/// A position inside one input file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum At {
    /// The file as a whole.
    File,
    /// A 1-based line of a text file.
    Line(usize),
    /// A JSON path inside a JSON document, e.g. `shifts[0].activityIntervals[2].start`.
    Path(String),
    /// A JSON path inside the document on one line of a JSON-lines file.
    LinePath(usize, String),
    /// A key of the mapping file, e.g. `codes."LUNCH".paid`.
    Key(String),
}

impl At {
    /// The line, where there is one.
    fn line(&self) -> usize {
        match self {
            At::Line(l) | At::LinePath(l, _) => *l,
            _ => 0,
        }
    }
}

impl Place {
    /// The file as a whole.
    pub fn file(file: &str) -> Place {
        Place { file: file.into(), at: At::File }
    }

    /// A line of a file.
    pub fn line(file: &str, line: usize) -> Place {
        Place { file: file.into(), at: At::Line(line) }
    }

    /// A key of a mapping file.
    pub fn key(file: &str, key: impl Into<String>) -> Place {
        Place { file: file.into(), at: At::Key(key.into()) }
    }

    /// Another place in the same file.
    pub(crate) fn at(&self, at: At) -> Place {
        Place { file: self.file.clone(), at }
    }

    /// The same file, one JSON step further (`.name` or `[i]`).
    pub(crate) fn then(&self, step: &str) -> Place {
        let join = |path: &str| {
            if path.is_empty() || step.starts_with('[') {
                format!("{path}{step}")
            } else {
                format!("{path}.{step}")
            }
        };
        let at = match &self.at {
            At::File => At::Path(join("")),
            At::Path(p) => At::Path(join(p)),
            At::LinePath(l, p) => At::LinePath(*l, join(p)),
            other => other.clone(),
        };
        Place { file: self.file.clone(), at }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.at {
            At::File => write!(f, "{}", self.file),
            At::Line(l) => write!(f, "{}:{l}", self.file),
            At::Path(p) => write!(f, "{}: {p}", self.file),
            At::LinePath(l, p) if p.is_empty() => write!(f, "{}:{l}", self.file),
            At::LinePath(l, p) => write!(f, "{}:{l}: {p}", self.file),
            At::Key(k) => write!(f, "{}: {k}", self.file),
        }
    }
}

/// One problem: where, and what is wrong there (naming the offending value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Where.
    pub place: Place,
    /// What, e.g. `activity code "LNCH" is not in the mapping's [codes]`.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

/// At most this many problems are listed; the rest are counted. A broken export of a large unit can have one
/// problem per line, and a million lines of errors help nobody.
pub const MAX_LISTED_PROBLEMS: usize = 200;

/// Why an import could not produce a snapshot: every problem found, in input order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Problems {
    /// The problems listed (at most [`MAX_LISTED_PROBLEMS`]).
    pub listed: Vec<Problem>,
    /// How many more were found and not listed.
    pub more: usize,
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.listed.len() + self.more;
        write!(f, "{total} problem{} in the CXone input:", if total == 1 { "" } else { "s" })?;
        for p in &self.listed {
            write!(f, "\n  {p}")?;
        }
        if self.more > 0 {
            write!(f, "\n  ... and {} more", self.more)?;
        }
        Ok(())
    }
}

/// Collects problems as they are found.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    problems: Vec<Problem>,
    more: usize,
}

impl Sink {
    pub(crate) fn push(&mut self, place: Place, message: impl Into<String>) {
        if self.problems.len() < MAX_LISTED_PROBLEMS {
            self.problems.push(Problem { place, message: message.into() });
        } else {
            self.more += 1;
        }
    }

    /// How many problems were found so far.
    pub(crate) fn count(&self) -> usize {
        self.problems.len() + self.more
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    /// `Err` with everything collected, if anything was; `Ok(value)` otherwise.
    pub(crate) fn finish<T>(self, value: T) -> Result<T, Problems> {
        if self.problems.is_empty() {
            Ok(value)
        } else {
            Err(self.refused())
        }
    }

    /// Everything collected, for an import that cannot go on. Input order: by file, then line; within a line (or
    /// a JSON document, or the mapping) in the order found, which follows the document. A refusal with nothing
    /// collected is an importer defect, and says so rather than passing for success.
    pub(crate) fn refused(mut self) -> Problems {
        if self.problems.is_empty() {
            self.push(
                Place::file("(the importer)"),
                "stopped without saying why (an importer defect: please report it)",
            );
        }
        self.problems.sort_by_key(|p| (p.place.file.clone(), p.place.at.line()));
        Problems { listed: self.problems, more: self.more }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_always_says_why_even_with_nothing_collected() {
        // It used to be `finish(()).map(|()| unreachable!())`: with nothing collected, a panic.
        let empty = Sink::default().refused();
        assert_eq!(empty.listed.len(), 1);
        assert!(empty.to_string().contains("an importer defect"), "{empty}");
        let mut sink = Sink::default();
        sink.push(Place::file("b.json"), "second");
        sink.push(Place::file("a.json"), "first");
        let listed: Vec<String> = sink.refused().listed.iter().map(|p| p.message.clone()).collect();
        assert_eq!(listed, ["first", "second"], "input order, by file");
    }
}
