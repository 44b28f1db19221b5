//! The two compatibility modes of the engine: the default, which keeps this engine's fixes of
//! the reference engine's quirks, and `reference`, which reproduces the reference's decisions
//! bit for bit (docs/protocol.md, "Deviations", lists every difference and its reason).

use std::fmt;
use std::str::FromStr;

/// Which behaviour the engine follows where it deliberately differs from the reference engine.
///
/// Both modes accept exactly the configs the reference accepts; they differ only in how a few
/// constructs evaluate and in a few engine rules (docs/protocol.md, "Deviations").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Compat {
    /// This engine's behaviour: every documented deviation applies (option value `"default"`).
    #[default]
    Default,
    /// The reference engine's behaviour, quirks included, except its predicate fast path
    /// (option value `"reference"`).
    Reference,
}

impl Compat {
    /// The option value: `"default"` or `"reference"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Compat::Default => "default",
            Compat::Reference => "reference",
        }
    }

    /// Whether the reference's behaviour is reproduced.
    pub fn is_reference(self) -> bool {
        self == Compat::Reference
    }
}

impl fmt::Display for Compat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Compat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "default" => Ok(Compat::Default),
            "reference" => Ok(Compat::Reference),
            other => Err(format!(
                "expected \"default\" or \"reference\", found {other:?}"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Compat;

    #[test]
    fn round_trips_its_option_values() {
        for c in [Compat::Default, Compat::Reference] {
            assert_eq!(c.as_str().parse::<Compat>(), Ok(c));
        }
        assert!("Reference".parse::<Compat>().is_err());
    }
}
