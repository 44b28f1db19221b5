//! "Did you mean ...?": the declared field closest to an unknown key.
//!
//! Names are compared normalized (lower case, `.` and `-` read as `_`). A candidate qualifies,
//! best first, when its normalized name is equal (`Status` → `status`, `http.method` →
//! `http_method`); when it is within edit distance max(1, ⌊longer length / 3⌋), counting a
//! transposition as one edit (`stauts` → `status`); or when it shares a word of three letters
//! or more (`tenant_region` → `region_tag`). Ties go to more shared words, then the smaller
//! distance, then the name.

/// Names longer than this (in characters) are not compared by edit distance.
const MAX_DISTANCE_LEN: usize = 64;

/// The candidate closest to `name`, if any qualifies.
pub(super) fn closest<'c>(
    name: &str,
    candidates: impl Iterator<Item = &'c str>,
) -> Option<&'c str> {
    let wanted = normalize(name);
    let wanted_words = words(&wanted);
    candidates
        .filter_map(|candidate| {
            let normalized = normalize(candidate);
            let distance = distance(&wanted, &normalized);
            let longer = wanted.chars().count().max(normalized.chars().count());
            let shared = words(&normalized)
                .iter()
                .filter(|w| wanted_words.contains(w))
                .count();
            let tier = if normalized == wanted {
                0
            } else if distance.is_some_and(|d| d <= (longer / 3).max(1)) {
                1
            } else if shared > 0 {
                2
            } else {
                return None;
            };
            let key = (
                tier,
                usize::MAX - shared,
                distance.unwrap_or(usize::MAX),
                candidate,
            );
            Some(key)
        })
        .min()
        .map(|(.., candidate)| candidate)
}

fn normalize(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '.' | '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

fn words(normalized: &str) -> Vec<&str> {
    normalized
        .split('_')
        .filter(|w| w.chars().count() >= 3)
        .collect()
}

/// Optimal string alignment distance (Levenshtein plus adjacent transpositions) over
/// characters; `None` when either name is longer than [`MAX_DISTANCE_LEN`].
fn distance(a: &str, b: &str) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len() > MAX_DISTANCE_LEN || b.len() > MAX_DISTANCE_LEN {
        return None;
    }
    // rows[i][j]: distance between a[..i] and b[..j].
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    Some(rows[a.len()][b.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn best(name: &str, fields: &[&'static str]) -> Option<&'static str> {
        closest(name, fields.iter().copied())
    }

    #[test]
    fn distances() {
        assert_eq!(distance("status", "status"), Some(0));
        assert_eq!(distance("stauts", "status"), Some(1));
        assert_eq!(distance("staus", "status"), Some(1));
        assert_eq!(distance("kitten", "sitting"), Some(3));
        assert_eq!(distance("", "abc"), Some(3));
        assert_eq!(distance(&"a".repeat(65), "a"), None);
    }

    #[test]
    fn suggestions() {
        let fields = [
            "region_tag",
            "status",
            "http_method",
            "http_status_code",
            "duration",
        ];
        assert_eq!(best("tenant_region", &fields), Some("region_tag"));
        assert_eq!(best("Status", &fields), Some("status"));
        assert_eq!(best("http.method", &fields), Some("http_method"));
        assert_eq!(best("stauts", &fields), Some("status"));
        assert_eq!(best("duraton", &fields), Some("duration"));
        assert_eq!(best("http_status", &fields), Some("http_status_code"));
        assert_eq!(best("zone", &fields), None);
        assert_eq!(best("id", &fields), None);
        assert_eq!(best("x", &[]), None);
    }
}
