//! The ancestry steps at the end of a revision (`~N`, `^N`, as in `HEAD~10000` or
//! `main^2~3`), followed by reading each commit's parents and nothing else.

use gix::ObjectId;

use super::read::Reader;

/// One step: `~N` (the Nth first-parent ancestor) or `^N` (the Nth parent; `^0` the
/// commit itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    Ancestor(usize),
    Parent(usize),
}

/// Splits `rev` into its base and the ancestry steps that end it, when it ends in some
/// (`HEAD~2^2` → `HEAD` and `~2`, `^2`). `None` for a revision without such steps, a
/// `:/search` (its text may hold `~`), a negation (`^main`) or a number too large.
pub(super) fn split(rev: &str) -> Option<(&str, Vec<Step>)> {
    if rev.starts_with(':') || rev.starts_with('^') {
        return None;
    }
    let bytes = rev.as_bytes();
    // The longest tail made of `~`, `^` and digits, less the digits it starts with
    // (they belong to the base: `v1.2.3~1`, an abbreviated id).
    let mut start = bytes.len();
    while start > 0 && matches!(bytes[start - 1], b'~' | b'^' | b'0'..=b'9') {
        start -= 1;
    }
    while start < bytes.len() && bytes[start].is_ascii_digit() {
        start += 1;
    }
    if start == 0 || start == bytes.len() {
        return None;
    }
    let (base, tail) = rev.split_at(start);
    let mut steps = Vec::new();
    let mut rest = tail.as_bytes();
    while let Some((&op, after)) = rest.split_first() {
        let digits = after.iter().take_while(|b| b.is_ascii_digit()).count();
        let n = match digits {
            0 => 1,
            _ => std::str::from_utf8(&after[..digits]).ok()?.parse().ok()?,
        };
        steps.push(match op {
            b'~' => Step::Ancestor(n),
            _ => Step::Parent(n),
        });
        rest = &after[digits..];
    }
    Some((base, steps))
}

/// Follows `steps` from the commit `base`; `None` when one cannot be followed (a missing
/// parent, an unreadable commit), so that the caller reports it the general way.
/// Each commit read is kept in `reader` for the walk that usually follows: `HEAD~10000`
/// reads the commits of `HEAD~10000..HEAD`.
pub(super) fn follow(
    repo: &gix::Repository,
    reader: &mut Reader,
    base: ObjectId,
    steps: Vec<Step>,
) -> Option<ObjectId> {
    let mut id = base;
    for step in steps {
        match step {
            Step::Parent(0) => {}
            Step::Parent(n) => id = parent(repo, reader, id, n)?,
            Step::Ancestor(n) => {
                for _ in 0..n {
                    id = parent(repo, reader, id, 1)?;
                }
            }
        }
    }
    // The last one is read too: an id a commit names may be missing from the clone.
    reader.commit(repo, id).ok()?;
    reader.keep_last(id);
    Some(id)
}

/// The `n`th parent (from 1) of the commit `id`.
fn parent(repo: &gix::Repository, reader: &mut Reader, id: ObjectId, n: usize) -> Option<ObjectId> {
    use gix::objs::commit::ref_iter::Token;
    let bytes = reader.commit(repo, id).ok()?;
    let parent = gix::objs::CommitRefIter::from_bytes(bytes, repo.object_hash())
        .map_while(Result::ok)
        .filter_map(|token| match token {
            Token::Parent { id } => Some(id),
            Token::Tree { .. } => None,
            // The parents come right after the tree; nothing later is needed.
            _ => Some(ObjectId::null(id.kind())),
        })
        .take_while(|parent| !parent.is_null())
        .nth(n - 1);
    reader.keep_last(id);
    parent
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_the_ancestry_steps_off_the_end() {
        use Step::*;
        type Split<'a> = Option<(&'a str, Vec<Step>)>;
        let cases: &[(&str, Split)] = &[
            ("HEAD~10000", Some(("HEAD", vec![Ancestor(10000)]))),
            ("HEAD~", Some(("HEAD", vec![Ancestor(1)]))),
            ("main^2~3", Some(("main", vec![Parent(2), Ancestor(3)]))),
            ("HEAD^^", Some(("HEAD", vec![Parent(1), Parent(1)]))),
            ("HEAD^0", Some(("HEAD", vec![Parent(0)]))),
            ("v1.2.3~1", Some(("v1.2.3", vec![Ancestor(1)]))),
            ("abc123^", Some(("abc123", vec![Parent(1)]))),
            ("@{upstream}~2", Some(("@{upstream}", vec![Ancestor(2)]))),
            (
                "HEAD^{commit}~2",
                Some(("HEAD^{commit}", vec![Ancestor(2)])),
            ),
            ("HEAD", None),
            ("v1.2.3", None),
            ("abc123", None),
            ("^main", None),
            (":/fix~2", None),
            ("~2", None),
            ("HEAD~2^{tree}", None),
            ("HEAD~99999999999999999999999", None),
        ];
        for (rev, expected) in cases {
            assert_eq!(&split(rev), expected, "{rev}");
        }
    }
}
