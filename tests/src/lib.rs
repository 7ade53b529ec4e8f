//! shiftgate-tests
