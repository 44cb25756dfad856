//! Who approved a pull request, as the policy counts it: the latest state per reviewer,
//! COMMENTED ignored, the author's own reviews never counted, approvals of an older head
//! not counted with `dismiss_stale`, and standing change requests. Pure: the reviews come
//! from the API, the policy from the base commit.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Error, User};

/// One review as `GET /repos/{owner}/{repo}/pulls/{n}/reviews` lists it.
#[derive(Debug, Clone, Deserialize)]
pub struct ApiReview {
    pub id: u64,
    pub user: Option<User>,
    pub state: String,
    pub commit_id: Option<String>,
    pub submitted_at: Option<String>,
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

impl ReviewState {
    fn parse(state: &str) -> Option<ReviewState> {
        Some(match state {
            "APPROVED" => ReviewState::Approved,
            "CHANGES_REQUESTED" => ReviewState::ChangesRequested,
            "COMMENTED" => ReviewState::Commented,
            "DISMISSED" => ReviewState::Dismissed,
            "PENDING" => ReviewState::Pending,
            _ => return None,
        })
    }
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
}

/// Adds up `reviews` (in the order the API lists them: oldest first) for a pull request
/// by `author` whose head is `head_sha`. A state reltag does not know is an error: the
/// gate cannot decide, and says so.
pub fn summarize(
    reviews: &[ApiReview],
    author: &str,
    head_sha: &str,
    dismiss_stale: bool,
) -> Result<ReviewSummary, Error> {
    let mut ordered: Vec<&ApiReview> = reviews.iter().collect();
    // The API lists reviews chronologically; sort anyway, so a reordered page cannot make an
    // old approval look like the latest word. RFC 3339 UTC strings sort as times.
    ordered
        .sort_by(|a, b| (a.submitted_at.as_deref(), a.id).cmp(&(b.submitted_at.as_deref(), b.id)));
    let mut summary = ReviewSummary::default();
    // login (lowercased) → (display login, state, commit)
    let mut latest: BTreeMap<String, (String, ReviewState, Option<String>)> = BTreeMap::new();
    for review in ordered {
        let login = review
            .user
            .as_ref()
            .map(|u| u.login.clone())
            .unwrap_or_else(|| "ghost".to_string());
        let state = ReviewState::parse(&review.state).ok_or_else(|| Error::UnknownReviewState {
            id: review.id,
            login: login.clone(),
            state: review.state.clone(),
        })?;
        if review.user.is_none() {
            // A deleted account cannot be asked who it was: its review does not count.
            continue;
        }
        if login.eq_ignore_ascii_case(author) {
            summary.self_reviews += 1;
            continue;
        }
        match state {
            ReviewState::Commented | ReviewState::Pending => {}
            _ => {
                latest.insert(
                    login.to_ascii_lowercase(),
                    (login, state, review.commit_id.clone()),
                );
            }
        }
    }
    for (login, state, commit) in latest.into_values() {
        match state {
            ReviewState::Approved => {
                let on_head = commit
                    .as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case(head_sha));
                if dismiss_stale && !on_head {
                    summary
                        .stale
                        .push((login, commit.unwrap_or_else(|| "an unknown commit".into())));
                } else {
                    summary.approved.push(login);
                }
            }
            ReviewState::ChangesRequested => summary.changes_requested.push(login),
            ReviewState::Dismissed => summary.dismissed.push(login),
            ReviewState::Commented | ReviewState::Pending => {}
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(id: u64, login: &str, state: &str, commit: &str) -> ApiReview {
        ApiReview {
            id,
            user: Some(User {
                login: login.into(),
            }),
            state: state.into(),
            commit_id: Some(commit.into()),
            submitted_at: Some(format!("2026-11-20T10:00:{:02}Z", id)),
        }
    }

    #[test]
    fn latest_state_per_reviewer_wins_and_comments_do_not_reset_it() {
        let reviews = [
            review(1, "ann", "APPROVED", "h"),
            review(2, "ann", "CHANGES_REQUESTED", "h"),
            review(3, "ann", "APPROVED", "h"),
            review(4, "ann", "COMMENTED", "h"),
            review(5, "bob", "APPROVED", "h"),
            review(6, "bob", "CHANGES_REQUESTED", "h"),
        ];
        let s = summarize(&reviews, "author", "h", true).unwrap();
        assert_eq!(s.approved, vec!["ann"]);
        assert_eq!(s.changes_requested, vec!["bob"]);
    }

    #[test]
    fn self_reviews_stale_and_dismissed_do_not_count() {
        let reviews = [
            review(1, "Author", "APPROVED", "h"),
            review(2, "cat", "APPROVED", "old"),
            review(3, "dan", "DISMISSED", "h"),
        ];
        let s = summarize(&reviews, "author", "h", true).unwrap();
        assert!(s.approved.is_empty());
        assert_eq!(s.self_reviews, 1);
        assert_eq!(s.stale, vec![("cat".to_string(), "old".to_string())]);
        assert_eq!(s.dismissed, vec!["dan"]);
        // Without dismiss_stale the older approval counts.
        let s = summarize(&reviews, "author", "h", false).unwrap();
        assert_eq!(s.approved, vec!["cat"]);
    }

    #[test]
    fn unknown_states_fail_closed() {
        let reviews = [review(1, "ann", "APPROVED_WITH_SUGGESTIONS", "h")];
        assert!(matches!(
            summarize(&reviews, "author", "h", true),
            Err(Error::UnknownReviewState { .. })
        ));
    }

    #[test]
    fn order_is_by_submission_time_not_page_order() {
        let mut reviews = vec![
            review(1, "ann", "APPROVED", "h"),
            review(2, "ann", "CHANGES_REQUESTED", "h"),
        ];
        reviews.reverse();
        let s = summarize(&reviews, "author", "h", true).unwrap();
        assert_eq!(s.changes_requested, vec!["ann"]);
    }
}
