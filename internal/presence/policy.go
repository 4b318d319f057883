package presence

// PushedOut is the multi-instance login policy, the one implementation both
// the node-local Registry and the cluster's Directory apply. online holds
// the platforms of the user's sessions already online, oldest first; a new
// login on platform with limit instances allowed on it (at least 1) pushes
// out the oldest sessions of that platform until, with the new one, there
// are no more than limit. It returns their indexes in online, ascending,
// and the reason the pushed-out sessions are told: multiple_account for the
// Web (another Web login beyond the Web limit), multiple_device for the
// others.
func PushedOut(online []string, platform string, limit int) (out []int, reason string) {
	if limit < 1 {
		limit = 1
	}
	same := 0
	for _, p := range online {
		if p == platform {
			same++
		}
	}
	for i, p := range online {
		if same < limit {
			break
		}
		if p == platform {
			out = append(out, i)
			same--
		}
	}
	reason = KickMultipleDevice
	if platform == "Web" {
		reason = KickMultipleAccount
	}
	return out, reason
}
