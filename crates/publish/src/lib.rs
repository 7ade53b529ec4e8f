//! shiftgate-publish (placeholder; being written).
