/**
 * Pull request feedback (docs/pull-requests.md): the publisher of findings on pull requests and triage
 * from them. What other folders may use.
 */
