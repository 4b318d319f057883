package gateway

// SubscribedGroups is the number of groups the node holds an interest in.
func (g *Gateway) SubscribedGroups() int { return g.groups.heldGroups() }

// GroupMembers is the number of local member sessions of group.
func (g *Gateway) GroupMembers(app uint64, group string) int {
	return len(g.groups.members(groupKey{app, group}))
}
