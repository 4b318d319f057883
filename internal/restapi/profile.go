package restapi

import (
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/profile"
)

// MaxPortraitUsers caps To_Account of portrait_get.
const MaxPortraitUsers = 100

func (s *Server) profileRoutes() {
	s.add(svcProfile, "portrait_set", s.portraitSet)
	s.add(svcProfile, "portrait_get", s.portraitGet)
}

func (s *Server) portraitSet(c *call) (response, error) {
	var req struct {
		From_Account string
		ProfileItem  []profile.Item
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.From_Account == "" {
		return nil, errcode.New(errcode.ProfileBadRequest, "Err_Profile_From_Account_Missing")
	}
	return ok(), s.Profiles.Set(c.ctx, c.app, req.From_Account, req.ProfileItem)
}

func (s *Server) portraitGet(c *call) (response, error) {
	var req struct {
		To_Account []string
		TagList    []string
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if len(req.To_Account) > MaxPortraitUsers {
		return nil, errcode.Newf(errcode.ProfileBadRequest, "Err_Profile_To_Account_Too_Many: at most %d", MaxPortraitUsers)
	}
	results, err := s.Profiles.Get(c.ctx, c.app, req.To_Account, req.TagList)
	if err != nil {
		return nil, err
	}
	type item struct {
		To_Account  string
		ProfileItem []profile.Pair `json:",omitempty"`
		ResultCode  int
		ResultInfo  string
	}
	resp := &struct {
		UserProfileItem []item
		Fail_Account    []string `json:",omitempty"`
		Envelope
	}{UserProfileItem: make([]item, len(results))}
	for i, r := range results {
		code, info := itemStatus(r.Err)
		resp.UserProfileItem[i] = item{r.User, r.Items, code, info}
		if r.Err != nil {
			resp.Fail_Account = append(resp.Fail_Account, r.User)
		}
	}
	return resp, nil
}
