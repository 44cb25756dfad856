//! A pull request's reviews from GitHub, translated into the rules' review facts.

use serde::Deserialize;

use super::{Client, Error, OwnerRepo, User};
use crate::forge::PullRequest;
use crate::rules::reviews::{Access, Review, ReviewState, Reviewer};

/// One review as `GET /repos/{owner}/{repo}/pulls/{n}/reviews` lists it.
#[derive(Debug, Clone, Deserialize)]
struct ApiReview {
    id: u64,
    /// `null` for a deleted account; absent is a malformed answer (the outer `None`):
    /// a review must never drop out of the count because a field is missing.
    #[serde(default, deserialize_with = "present")]
    user: Option<Option<User>>,
    state: String,
    commit_id: Option<String>,
    submitted_at: Option<String>,
}

/// `Some(value)` for a field that is there, `null` included.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

fn parse_state(state: &str) -> Option<ReviewState> {
    Some(match state {
        "APPROVED" => ReviewState::Approved,
        "CHANGES_REQUESTED" => ReviewState::ChangesRequested,
        "COMMENTED" => ReviewState::Commented,
        "DISMISSED" => ReviewState::Dismissed,
        "PENDING" => ReviewState::Pending,
        _ => return None,
    })
}

/// Every review of `pr`, oldest first.
pub fn reviews(client: &Client, repo: &OwnerRepo, pr: &PullRequest) -> Result<Vec<Review>, Error> {
    let path = format!("{}/pulls/{}/reviews", repo.api_path(), pr.number);
    let listed: Vec<ApiReview> = client.list(&path, None)?.items;
    let mut states = Vec::with_capacity(listed.len());
    let mut users = Vec::with_capacity(listed.len());
    for review in &listed {
        let Some(user) = &review.user else {
            return Err(Error::Protocol(format!(
                "{path}: the review {} has no `user` field; reltag cannot tell whose it is",
                review.id
            )));
        };
        let state = parse_state(&review.state).ok_or_else(|| Error::UnknownReviewState {
            id: review.id,
            login: user
                .as_ref()
                .map_or_else(|| "ghost".to_string(), |u| u.login.clone()),
            state: review.state.clone(),
        })?;
        states.push(state);
        users.push(user.clone());
    }
    Ok(listed
        .into_iter()
        .zip(states)
        .zip(users)
        .map(|((review, state), user)| Review {
            id: review.id,
            reviewer: user.map(|u| Reviewer {
                access: Access::CanPush,
                login: u.login,
            }),
            state,
            commit: review.commit_id,
            submitted_at: review.submitted_at,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deleted_account_is_null_and_a_missing_user_is_malformed() {
        let deleted: ApiReview = serde_json::from_str(
            r#"{"id": 1, "user": null, "state": "APPROVED", "commit_id": null, "submitted_at": null}"#,
        )
        .unwrap();
        assert!(matches!(deleted.user, Some(None)));
        let missing: ApiReview =
            serde_json::from_str(r#"{"id": 2, "state": "CHANGES_REQUESTED"}"#).unwrap();
        assert!(missing.user.is_none());
    }

    #[test]
    fn review_states() {
        assert_eq!(parse_state("APPROVED"), Some(ReviewState::Approved));
        assert_eq!(parse_state("APPROVED_WITH_SUGGESTIONS"), None);
    }
}
