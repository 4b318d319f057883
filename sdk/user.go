package sdk

import "context"

// GetUsersInfo returns the profiles of userIDs (getUsersInfo), in request
// order; unknown users are left out. Lists longer than MaxUsersPerGet are
// read in several requests.
func (m *Manager) GetUsersInfo(ctx context.Context, userIDs []string) ([]UserFullInfo, error) {
	if len(userIDs) == 0 {
		return nil, newError(ErrCodeInvalidParameters, "userIDs is empty")
	}
	s, err := m.current()
	if err != nil {
		return nil, err
	}
	found, err := m.usersInfo(ctx, s, userIDs)
	if err != nil {
		return nil, err
	}
	out := make([]UserFullInfo, 0, len(found))
	seen := map[string]bool{}
	for _, id := range userIDs {
		if u, ok := found[id]; ok && !seen[id] {
			seen[id] = true
			out = append(out, u)
		}
	}
	return out, nil
}

// SetSelfInfo changes the logged-in user's profile (setSelfInfo): the fields
// that are not the zero value, plus those named in info.ModifiedFields.
// UserID is ignored. Every online instance then gets OnSelfInfoUpdated, and
// friends get OnFriendInfoChanged.
func (m *Manager) SetSelfInfo(ctx context.Context, info UserFullInfo) error {
	req := map[string]any{}
	mod := info.ModifiedFields
	str := func(f ProfileField, key, v string) {
		if v != "" || mod&f != 0 {
			req[key] = v
		}
	}
	num := func(f ProfileField, key string, v int64) {
		if v != 0 || mod&f != 0 {
			req[key] = v
		}
	}
	str(FieldNickName, "nickName", info.NickName)
	str(FieldFaceURL, "faceURL", info.FaceURL)
	str(FieldSelfSignature, "selfSignature", info.SelfSignature)
	num(FieldGender, "gender", int64(info.Gender))
	num(FieldBirthday, "birthday", info.Birthday)
	str(FieldLocation, "location", info.Location)
	num(FieldLanguage, "language", info.Language)
	num(FieldLevel, "level", info.Level)
	num(FieldRole, "role", info.Role)
	num(FieldAllowType, "allowType", int64(info.AllowType))
	if len(info.CustomInfo) > 0 || mod&FieldCustomInfo != 0 {
		ci := info.CustomInfo
		if ci == nil {
			ci = map[string]string{}
		}
		req["customInfo"] = ci
	}
	if len(req) == 0 {
		return newError(ErrCodeInvalidParameters, "no profile field to set")
	}
	return m.call(ctx, "user.setSelf", req, nil)
}
