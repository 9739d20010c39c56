"""HTTP plumbing shared by every router: envelope, errors, request ids, body limits, deps."""
