package restapi

import (
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/presence"
)

// MaxStateAccounts caps To_Account of query_online_status.
const MaxStateAccounts = 500

func (s *Server) stateRoutes() {
	s.add(svcAccount, "kick", s.kick)
	s.add(svcOpenIM, "query_online_status", s.queryState)
	s.add(svcOpenIM, "querystate", s.queryState)
}

func (s *Server) kick(c *call) (response, error) {
	var req userIDField
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	user, err := req.userID()
	if err != nil {
		return nil, err
	}
	// The user's UserSigs so far are void first, so a kicked client cannot
	// log straight back in with the ticket it has.
	exists, err := s.Accounts.RevokeUserSigs(c.ctx, c.app, user)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, errcode.New(errcode.AccountNotExist, "Err_TLS_PT_Open_Login_Account_Not_Exist")
	}
	// Every session of the user, on whichever node, is closed: the session
	// directory finds them in one write.
	if _, err := s.Sessions.Kick(c.ctx, c.app.SDKAppID, user, presence.KickRESTAPI); err != nil {
		return nil, err
	}
	return ok(), nil
}

type platformState struct {
	Platform string
	Status   string
}

type stateItem struct {
	To_Account string
	// The field table names it Status, the samples and the legacy API State:
	// both are sent.
	Status string
	State  string
	Detail []platformState `json:",omitempty"`
}

type stateError struct {
	To_Account string
	ErrorCode  int
}

func (s *Server) queryState(c *call) (response, error) {
	var req struct {
		To_Account   []string
		IsNeedDetail int
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if len(req.To_Account) == 0 {
		return nil, errcode.New(errcode.OpenIMBadToAccount, "Err_To_Account_Empty")
	}
	if len(req.To_Account) > MaxStateAccounts {
		return nil, errcode.Newf(errcode.OpenIMTooMany, "Err_To_Account_Too_Many: at most %d", MaxStateAccounts)
	}
	exists, err := s.Accounts.Existing(c.ctx, c.app, req.To_Account)
	if err != nil {
		return nil, err
	}
	// One read for all of them, answered for the whole cluster.
	online, err := s.Sessions.Online(c.ctx, c.app.SDKAppID, req.To_Account)
	if err != nil {
		return nil, err
	}
	resp := &struct {
		QueryResult []stateItem
		ErrorList   []stateError `json:",omitempty"`
		Envelope
	}{QueryResult: []stateItem{}}
	for _, u := range req.To_Account {
		if !exists[u] {
			resp.ErrorList = append(resp.ErrorList, stateError{u, errcode.AccountNotExist})
			continue
		}
		platforms := online[u]
		it := stateItem{To_Account: u, Status: "Offline", State: "Offline"}
		if len(platforms) > 0 {
			it.Status, it.State = "Online", "Online"
		}
		if req.IsNeedDetail == 1 {
			it.Detail = []platformState{}
			for _, p := range platforms {
				it.Detail = append(it.Detail, platformState{p, "Online"})
			}
		}
		resp.QueryResult = append(resp.QueryResult, it)
	}
	return resp, nil
}
