"""The site's pages: photos, athletes, model versions, accounts, and the reviewers' pages."""
