package restapi

import (
	"github.com/parleyim/parley/internal/errcode"
)

func (s *Server) accountRoutes() {
	s.add(svcAccount, "account_import", s.accountImport)
	s.add(svcAccount, "multiaccount_import", s.multiAccountImport)
	s.add(svcAccount, "account_delete", s.accountDelete)
	s.add(svcAccount, "account_check", s.accountCheck)
}

func (s *Server) accountImport(c *call) (response, error) {
	var req struct {
		userIDField
		Nick    string
		FaceUrl string
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	user, err := req.userID()
	if err != nil {
		return nil, err
	}
	return ok(), s.Accounts.Import(c.ctx, c.app, user, req.Nick, req.FaceUrl)
}

// userIDField is the account a call is about: UserID in current docs,
// Identifier in the older ones that real clients still send.
type userIDField struct {
	UserID     string
	Identifier string
}

func (f userIDField) userID() (string, error) {
	if f.UserID != "" {
		return f.UserID, nil
	}
	if f.Identifier != "" {
		return f.Identifier, nil
	}
	return "", errcode.New(errcode.AccountInvalidParam, "Err_TLS_PT_Open_Login_UserID_Missing")
}

func (s *Server) multiAccountImport(c *call) (response, error) {
	var req struct{ Accounts []string }
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	failed, err := s.Accounts.ImportMany(c.ctx, c.app, req.Accounts)
	if err != nil {
		return nil, err
	}
	return &struct {
		Envelope
		FailAccounts []string `json:"FailAccounts,omitempty"`
	}{FailAccounts: failed}, nil
}

type userItem struct{ UserID string }

func userIDs(items []userItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.UserID
	}
	return out
}

func (s *Server) accountDelete(c *call) (response, error) {
	var req struct{ DeleteItem []userItem }
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	results, err := s.Accounts.Delete(c.ctx, c.app, userIDs(req.DeleteItem))
	if err != nil {
		return nil, err
	}
	type item struct {
		ResultCode int
		ResultInfo string
		UserID     string
	}
	resp := &struct {
		Envelope
		ResultItem []item
	}{ResultItem: make([]item, len(results))}
	for i, r := range results {
		code, info := itemStatus(r.Err)
		resp.ResultItem[i] = item{code, info, r.User}
	}
	return resp, nil
}

func (s *Server) accountCheck(c *call) (response, error) {
	var req struct{ CheckItem []userItem }
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	users := userIDs(req.CheckItem)
	exists, err := s.Accounts.Check(c.ctx, c.app, users)
	if err != nil {
		return nil, err
	}
	type item struct {
		UserID        string
		ResultCode    int
		ResultInfo    string
		AccountStatus string
	}
	resp := &struct {
		Envelope
		ResultItem []item
	}{ResultItem: make([]item, len(users))}
	for i, u := range users {
		status := "NotImported"
		if exists[u] {
			status = "Imported"
		}
		resp.ResultItem[i] = item{UserID: u, AccountStatus: status}
	}
	return resp, nil
}
