//! The fixed vocabulary of generated snapshots: activity codes, names, skills.
//!
//! Codes follow the Genesys defaults the design example uses ("0" On Queue, "1" Break, "2" Meal, "3" Vacation), plus
//! the other categories a contact center schedules.

/// One activity code: `(id, name, category, countsAsPaidTime, countsAsWorkTime)`.
pub(crate) type Code = (&'static str, &'static str, &'static str, bool, bool);

pub(crate) const ON_QUEUE: &str = "0";
pub(crate) const BREAK: &str = "1";
pub(crate) const MEAL: &str = "2";
pub(crate) const VACATION: &str = "3";
pub(crate) const MEETING: &str = "4";
pub(crate) const TRAINING: &str = "5";
pub(crate) const OFF_QUEUE: &str = "6";
pub(crate) const SICK: &str = "7";
pub(crate) const PERSONAL: &str = "8";

pub(crate) const CODES: [Code; 10] = [
    (ON_QUEUE, "On Queue", "OnQueueWork", true, true),
    (BREAK, "Break", "Break", true, false),
    (MEAL, "Meal", "Meal", false, false),
    (VACATION, "Vacation", "TimeOff", true, false),
    (MEETING, "Team Meeting", "Meeting", true, true),
    (TRAINING, "Training", "Training", true, true),
    (OFF_QUEUE, "Email Backlog", "OffQueueWork", true, true),
    (SICK, "Sick", "TimeOff", false, false),
    (PERSONAL, "Personal Time", "TimeOff", true, false),
    ("9", "Unavailable", "Unavailable", false, false),
];

/// Whether time in this code is paid (unknown codes: no).
pub(crate) fn paid(code: &str) -> bool {
    CODES.iter().any(|c| c.0 == code && c.3)
}

pub(crate) const FIRST_NAMES: [&str; 48] = [
    "Ana", "Ben", "Carmen", "Darnell", "Elena", "Farah", "Gabriel", "Hannah", "Ibrahim", "Jasmine", "Kevin", "Lucia",
    "Marcus", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Samuel", "Tamika", "Umar", "Valeria", "Wei", "Ximena",
    "Yusuf", "Zoe", "Andre", "Brianna", "Carlos", "Destiny", "Emmanuel", "Fatima", "Grace", "Hector", "Imani", "Jamal",
    "Keisha", "Luis", "Maria", "Nathan", "Olivia", "Pedro", "Rachel", "Sofia", "Terrence", "Vanessa", "Xavier",
    "Yolanda",
];

pub(crate) const LAST_NAMES: [&str; 48] = [
    "Diaz",
    "Okafor",
    "Nguyen",
    "Johnson",
    "Kowalski",
    "Patel",
    "Garcia",
    "Williams",
    "Hassan",
    "Brown",
    "Rodriguez",
    "Kim",
    "Lopez",
    "Jackson",
    "Martinez",
    "Novak",
    "Hernandez",
    "Davis",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Moore",
    "Washington",
    "Ali",
    "Chen",
    "Ramirez",
    "Walker",
    "Flores",
    "Robinson",
    "Sullivan",
    "Murphy",
    "Rivera",
    "Cooper",
    "Reyes",
    "Kaminski",
    "Morales",
    "Ortiz",
    "Brooks",
    "Zielinski",
    "Price",
    "Bennett",
    "Wood",
    "Castillo",
    "Shah",
    "Ward",
    "Torres",
    "Ellis",
];

pub(crate) const SKILLS: [&str; 8] =
    ["billing", "tech-support", "sales", "retention", "spanish", "polish", "chat", "email"];

/// Why a supervisor typed a note on a request (kept short and impersonal).
pub(crate) const NOTES: [&str; 5] =
    ["family event", "medical appointment", "travel", "moving house", "school conference"];
