//! A pull request's reviews as the pull-request rules see them, whatever the forge: who
//! reviewed, in which state, on which commit, and whether that account can push to the
//! base repository. The forge's client translates its answers into these; [`summarize`]
//! adds them up the way the policy counts them.

use std::collections::BTreeMap;

/// One review, oldest first as forges list them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// The forge's id; orders reviews submitted in the same second.
    pub id: u64,
    /// `None` for a deleted account, whose review never counts.
    pub reviewer: Option<Reviewer>,
    pub state: ReviewState,
    /// The head commit the review was given on.
    pub commit: Option<String>,
    /// RFC 3339, UTC (sorts as a time).
    pub submitted_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviewer {
    pub login: String,
    pub access: Access,
}

/// Whether a reviewer can push to the base repository: only their reviews count, as
/// for the forge's own required reviews.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    CanPush,
    /// Why not, for the report: "author_association NONE", "permission read".
    CannotPush {
        why: String,
    },
    /// The forge did not find out. Fails closed both ways: such an approval does not
    /// count, and such a change request blocks.
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewState {
    Approved,
    ChangesRequested,
    Commented,
    Dismissed,
    /// A review still being written; only its author sees it, and it does not count.
    Pending,
}

/// What the reviews add up to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewSummary {
    /// Logins whose latest review approves the head (or any commit without `dismiss_stale`).
    pub approved: Vec<String>,
    /// Logins whose latest review approves an older commit: `(login, commit)`.
    pub stale: Vec<(String, String)>,
    /// Logins whose latest review requests changes.
    pub changes_requested: Vec<String>,
    /// Reviews by the pull request's author, never counted.
    pub self_reviews: usize,
    /// Logins whose latest review was dismissed.
    pub dismissed: Vec<String>,
    /// Reviewers whose approval or change request does not count because they cannot
    /// push to the base repository: `(login, why)`.
    pub not_counted: Vec<(String, String)>,
}

/// Adds up `reviews` for a pull request by `author` whose head is `head_sha`: the latest
/// state per reviewer counts, COMMENTED and PENDING never change it, the author's own
/// reviews never count, with `dismiss_stale` an approval of an older head does not count,
/// and neither does the approval or change request of an account that cannot push.
pub fn summarize(
    reviews: &[Review],
    author: &str,
    head_sha: &str,
    dismiss_stale: bool,
) -> ReviewSummary {
    let mut ordered: Vec<&Review> = reviews.iter().collect();
    // Forges list reviews chronologically; sort anyway, so a reordered page cannot make
    // an old approval look like the latest word. RFC 3339 UTC strings sort as times.
    ordered
        .sort_by(|a, b| (a.submitted_at.as_deref(), a.id).cmp(&(b.submitted_at.as_deref(), b.id)));
    let mut summary = ReviewSummary::default();
    // login (lowercased) → (reviewer, state, commit)
    let mut latest: BTreeMap<String, (&Reviewer, ReviewState, Option<&str>)> = BTreeMap::new();
    for review in ordered {
        // A deleted account cannot be asked who it was: its review does not count.
        let Some(reviewer) = &review.reviewer else {
            continue;
        };
        if reviewer.login.eq_ignore_ascii_case(author) {
            summary.self_reviews += 1;
            continue;
        }
        match review.state {
            ReviewState::Commented | ReviewState::Pending => {}
            state => {
                latest.insert(
                    reviewer.login.to_ascii_lowercase(),
                    (reviewer, state, review.commit.as_deref()),
                );
            }
        }
    }
    for (reviewer, state, commit) in latest.into_values() {
        let login = reviewer.login.clone();
        let counts = match (&reviewer.access, state) {
            (Access::CanPush, _) => true,
            // Fail closed: an unknown approval does not count, an unknown change request does.
            (Access::Unknown, ReviewState::ChangesRequested) => true,
            (Access::Unknown, _) => false,
            (Access::CannotPush { .. }, _) => false,
        };
        if !counts && matches!(state, ReviewState::Approved | ReviewState::ChangesRequested) {
            let why = match &reviewer.access {
                Access::CannotPush { why } => why.clone(),
                _ => "their access could not be checked".to_string(),
            };
            summary.not_counted.push((login, why));
            continue;
        }
        match state {
            ReviewState::Approved => {
                let on_head = commit.is_some_and(|c| c.eq_ignore_ascii_case(head_sha));
                if dismiss_stale && !on_head {
                    summary
                        .stale
                        .push((login, commit.unwrap_or("an unknown commit").to_string()));
                } else {
                    summary.approved.push(login);
                }
            }
            ReviewState::ChangesRequested => summary.changes_requested.push(login),
            ReviewState::Dismissed => summary.dismissed.push(login),
            ReviewState::Commented | ReviewState::Pending => {}
        }
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(id: u64, login: &str, state: ReviewState, commit: &str) -> Review {
        review_by(id, login, Access::CanPush, state, commit)
    }

    fn review_by(id: u64, login: &str, access: Access, state: ReviewState, commit: &str) -> Review {
        Review {
            id,
            reviewer: Some(Reviewer {
                login: login.into(),
                access,
            }),
            state,
            commit: Some(commit.into()),
            submitted_at: Some(format!("2026-11-20T10:00:{id:02}Z")),
        }
    }

    use ReviewState::*;

    #[test]
    fn latest_state_per_reviewer_wins_and_comments_do_not_reset_it() {
        let reviews = [
            review(1, "ann", Approved, "h"),
            review(2, "ann", ChangesRequested, "h"),
            review(3, "ann", Approved, "h"),
            review(4, "ann", Commented, "h"),
            review(5, "bob", Approved, "h"),
            review(6, "bob", ChangesRequested, "h"),
        ];
        let s = summarize(&reviews, "author", "h", true);
        assert_eq!(s.approved, vec!["ann"]);
        assert_eq!(s.changes_requested, vec!["bob"]);
    }

    #[test]
    fn self_reviews_stale_and_dismissed_do_not_count() {
        let reviews = [
            review(1, "Author", Approved, "h"),
            review(2, "cat", Approved, "old"),
            review(3, "dan", Dismissed, "h"),
        ];
        let s = summarize(&reviews, "author", "h", true);
        assert!(s.approved.is_empty());
        assert_eq!(s.self_reviews, 1);
        assert_eq!(s.stale, vec![("cat".to_string(), "old".to_string())]);
        assert_eq!(s.dismissed, vec!["dan"]);
        // Without dismiss_stale the older approval counts.
        let s = summarize(&reviews, "author", "h", false);
        assert_eq!(s.approved, vec!["cat"]);
    }

    #[test]
    fn order_is_by_submission_time_not_page_order() {
        let mut reviews = vec![
            review(1, "ann", Approved, "h"),
            review(2, "ann", ChangesRequested, "h"),
        ];
        reviews.reverse();
        let s = summarize(&reviews, "author", "h", true);
        assert_eq!(s.changes_requested, vec!["ann"]);
    }

    #[test]
    fn only_accounts_that_can_push_count_either_way() {
        let outsider = || Access::CannotPush {
            why: "author_association NONE".into(),
        };
        let reviews = [
            review_by(1, "mallory", outsider(), Approved, "h"),
            review_by(2, "troll", outsider(), ChangesRequested, "h"),
            review_by(3, "visitor", outsider(), Commented, "h"),
        ];
        let s = summarize(&reviews, "author", "h", true);
        assert!(s.approved.is_empty());
        assert!(s.changes_requested.is_empty());
        assert_eq!(
            s.not_counted,
            vec![
                ("mallory".to_string(), "author_association NONE".to_string()),
                ("troll".to_string(), "author_association NONE".to_string()),
            ]
        );
    }

    #[test]
    fn unknown_access_fails_closed_both_ways() {
        let reviews = [
            review_by(1, "ann", Access::Unknown, Approved, "h"),
            review_by(2, "bob", Access::Unknown, ChangesRequested, "h"),
        ];
        let s = summarize(&reviews, "author", "h", true);
        assert!(s.approved.is_empty());
        assert_eq!(s.changes_requested, vec!["bob"]);
        assert_eq!(s.not_counted.len(), 1);
    }

    #[test]
    fn deleted_accounts_do_not_count() {
        let mut r = review(1, "ghost", Approved, "h");
        r.reviewer = None;
        let s = summarize(&[r], "author", "h", true);
        assert_eq!(s, ReviewSummary::default());
    }
}
