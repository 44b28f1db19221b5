//! Go `time.Duration` values as they appear in configs: an integer of nanoseconds (what
//! Datakit marshals) or a duration string (`300ms`, `1m30s`, `2h`, what Guance documents).

use std::time::Duration;

/// Parses a Go duration string: an optional `+`, then one or more `<number><unit>` parts
/// (`1h30m`, `1.5s`, `300ms`), units `ns`, `us`, `µs`, `μs`, `ms`, `s`, `m`, `h`; `"0"` alone
/// is zero. Negative durations are rejected: a TTL cannot be negative.
pub fn parse_go_duration(s: &str) -> Result<Duration, String> {
    let orig = s;
    let s = s.strip_prefix('+').unwrap_or(s);
    if s.starts_with('-') {
        return Err(format!("negative duration {orig:?}"));
    }
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() {
        return Err("empty duration".to_string());
    }
    let mut rest = s;
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, tail) = rest.split_at(num_len);
        if num.is_empty() || num == "." || num.matches('.').count() > 1 {
            return Err(format!(
                "invalid duration {orig:?}: expected a number at {tail:?}"
            ));
        }
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let scale: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60 * 1_000_000_000,
            "h" => 3600 * 1_000_000_000,
            "" => {
                return Err(format!(
                    "missing unit in duration {orig:?} (use ns, us, ms, s, m or h)"
                ))
            }
            other => {
                return Err(format!(
                    "unknown unit {other:?} in duration {orig:?} (use ns, us, ms, s, m or h)"
                ))
            }
        };
        let (int, frac) = num.split_once('.').unwrap_or((num, ""));
        let int: u128 = if int.is_empty() {
            0
        } else {
            int.parse()
                .map_err(|_| format!("invalid duration {orig:?}: number too large"))?
        };
        let mut part = int.checked_mul(scale);
        // Fractional digits beyond nanosecond precision are truncated, as Go does.
        let mut frac_scale = scale;
        for d in frac.bytes() {
            frac_scale /= 10;
            part = part.and_then(|p| p.checked_add(u128::from(d - b'0') * frac_scale));
        }
        total = part
            .and_then(|p| total.checked_add(p))
            .filter(|t| *t <= i64::MAX as u128)
            .ok_or_else(|| format!("duration {orig:?} overflows"))?;
        rest = tail;
    }
    Ok(Duration::from_nanos(total as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Duration {
        parse_go_duration(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn go_duration_forms() {
        assert_eq!(ok("0"), Duration::ZERO);
        assert_eq!(ok("5m"), Duration::from_secs(300));
        assert_eq!(ok("1m"), Duration::from_secs(60));
        assert_eq!(ok("300ms"), Duration::from_millis(300));
        assert_eq!(ok("1m30s"), Duration::from_secs(90));
        assert_eq!(ok("2h"), Duration::from_secs(7200));
        assert_eq!(ok("1.5h"), Duration::from_secs(5400));
        assert_eq!(ok("+10s"), Duration::from_secs(10));
        assert_eq!(ok(".5s"), Duration::from_millis(500));
        assert_eq!(ok("1h2m3s4ms5us6ns"), Duration::new(3723, 4_005_006));
        assert_eq!(ok("10µs"), Duration::from_micros(10));
        assert_eq!(ok("10μs"), Duration::from_micros(10));
        assert_eq!(ok("1.0000000001s"), Duration::from_secs(1));
    }

    #[test]
    fn go_duration_errors() {
        for bad in [
            "",
            "5",
            "-1s",
            "5x",
            "s",
            "1..2s",
            ".s",
            "1e3s",
            "99999999999h",
            "5 m",
        ] {
            assert!(parse_go_duration(bad).is_err(), "{bad:?} should fail");
        }
        assert!(parse_go_duration("5x")
            .unwrap_err()
            .contains("unknown unit"));
    }
}
