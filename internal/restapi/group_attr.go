package restapi

import (
	"slices"

	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/group"
)

// Group attributes and counters (rest-spec §3.7): get_group_attr (of
// group_open_attr_http_svc), set_group_attr (replace all),
// modify_group_attr (upsert), clear_group_attr; get, update and
// delete_group_counter. The limits, codes and pushes are the group
// service's, the same as for a client's initGroupAttributes.

var svcGroupAttr = &service{"group_open_attr_http_svc", codeGroupBadParam, codeGroupNoPermission, codeGroupInternal, false}

func (s *Server) groupAttrRoutes() {
	s.add(svcGroupAttr, "get_group_attr", s.getGroupAttr)
	s.add(svcGroup, "set_group_attr", s.setGroupAttr)
	s.add(svcGroup, "modify_group_attr", s.modifyGroupAttr)
	s.add(svcGroup, "clear_group_attr", s.clearGroupAttr)
	s.add(svcGroup, "get_group_counter", s.getGroupCounter)
	s.add(svcGroup, "update_group_counter", s.updateGroupCounter)
	s.add(svcGroup, "delete_group_counter", s.deleteGroupCounter)
}

// attrItem is one attribute of GroupAttr and GroupAttrAry, whose fields
// are lower-case on the wire.
type attrItem struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type groupAttrFields struct {
	GroupId   string
	GroupAttr []attrItem
}

// attrs decodes a GroupAttr request: the list is required and not empty
// (10004); a key named twice takes its last value.
func (c *call) attrs() (string, map[string]string, error) {
	var f groupAttrFields
	if err := c.decode(&f); err != nil {
		return "", nil, err
	}
	if len(f.GroupAttr) == 0 {
		return "", nil, errcode.New(codeGroupBadParam, "Err_Group_GroupAttr_Empty: GroupAttr names no attribute")
	}
	m := make(map[string]string, len(f.GroupAttr))
	for _, kv := range f.GroupAttr {
		m[kv.Key] = kv.Value
	}
	return f.GroupId, m, nil
}

func (s *Server) getGroupAttr(c *call) (response, error) {
	var f groupIDField
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	attrs, err := s.Groups.Attributes(c.ctx, c.app, c.admin(), f.GroupId, nil)
	if err != nil {
		return nil, err
	}
	out := make([]attrItem, 0, len(attrs))
	for _, k := range sortedAttrKeys(attrs) {
		out = append(out, attrItem{k, attrs[k]})
	}
	return &struct {
		Envelope
		GroupAttrAry []attrItem
	}{GroupAttrAry: out}, nil
}

func (s *Server) setGroupAttr(c *call) (response, error) {
	groupID, attrs, err := c.attrs()
	if err != nil {
		return nil, err
	}
	_, err = s.Groups.InitAttributes(c.ctx, c.app, c.admin(), groupID, attrs)
	return ok(), err
}

func (s *Server) modifyGroupAttr(c *call) (response, error) {
	groupID, attrs, err := c.attrs()
	if err != nil {
		return nil, err
	}
	_, err = s.Groups.SetAttributes(c.ctx, c.app, c.admin(), groupID, attrs)
	return ok(), err
}

func (s *Server) clearGroupAttr(c *call) (response, error) {
	var f groupIDField
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	_, err := s.Groups.DeleteAttributes(c.ctx, c.app, c.admin(), f.GroupId, nil)
	return ok(), err
}

// counterItem is one counter of GroupCounter.
type counterItem struct {
	Key   string
	Value int64
}

type groupCounterKeysFields struct {
	GroupId          string
	GroupCounterKeys []string
}

// counterList renders counters in keys' order (those that exist), or by
// key when keys is empty.
func counterList(counters map[string]int64, keys []string) []counterItem {
	if len(keys) == 0 {
		keys = sortedAttrKeys(counters)
	}
	out := make([]counterItem, 0, len(keys))
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if v, ok := counters[k]; ok && !seen[k] {
			seen[k] = true
			out = append(out, counterItem{k, v})
		}
	}
	return out
}

func (s *Server) getGroupCounter(c *call) (response, error) {
	var f groupCounterKeysFields
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	counters, err := s.Groups.Counters(c.ctx, c.app, c.admin(), f.GroupId, f.GroupCounterKeys)
	if err != nil {
		return nil, err
	}
	return &struct {
		Envelope
		GroupCounter []counterItem
	}{GroupCounter: counterList(counters, f.GroupCounterKeys)}, nil
}

// updateGroupCounter sets (Mode Set, the default), increases or decreases
// the listed counters and answers their new values in request order.
func (s *Server) updateGroupCounter(c *call) (response, error) {
	var f struct {
		GroupId      string
		GroupCounter []counterItem
		Mode         string
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	if len(f.GroupCounter) == 0 {
		return nil, errcode.New(codeGroupBadParam, "Err_Group_GroupCounter_Empty: GroupCounter names no counter")
	}
	if len(f.GroupCounter) > group.MaxCounterKeys {
		return nil, errcode.Newf(group.CodeCounterTooManyKeys, "Err_Group_Counter_Too_Many_Keys: at most %d", group.MaxCounterKeys)
	}
	values := make(map[string]int64, len(f.GroupCounter))
	keys := make([]string, 0, len(f.GroupCounter))
	for _, kv := range f.GroupCounter {
		if _, dup := values[kv.Key]; dup && f.Mode != "" && f.Mode != group.CounterSet {
			// Two increases of one key in one call would be applied as
			// one; Tencent's semantics are not stated, so refuse.
			return nil, errcode.Newf(codeGroupBadParam, "Err_Group_Counter_Key_Repeated: %q", kv.Key)
		}
		values[kv.Key] = kv.Value
		keys = append(keys, kv.Key)
	}
	updated, err := s.Groups.UpdateCounters(c.ctx, c.app, c.admin(), f.GroupId, f.Mode, values)
	if err != nil {
		return nil, err
	}
	return &struct {
		Envelope
		GroupCounter []counterItem
	}{GroupCounter: counterList(updated, keys)}, nil
}

func (s *Server) deleteGroupCounter(c *call) (response, error) {
	var f groupCounterKeysFields
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	_, err := s.Groups.DeleteCounters(c.ctx, c.app, c.admin(), f.GroupId, f.GroupCounterKeys)
	return ok(), err
}

func sortedAttrKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
