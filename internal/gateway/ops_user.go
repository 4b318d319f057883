package gateway

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/profile"
)

// UserInfo is a profile in the protocol's vocabulary (V2TIMUserFullInfo).
type UserInfo struct {
	UserID        string            `json:"userID"`
	NickName      string            `json:"nickName"`
	FaceURL       string            `json:"faceURL"`
	SelfSignature string            `json:"selfSignature"`
	Gender        int               `json:"gender"`
	Birthday      int64             `json:"birthday"`
	Location      string            `json:"location"`
	Language      int64             `json:"language"`
	Level         int64             `json:"level"`
	Role          int64             `json:"role"`
	AllowType     int               `json:"allowType"`
	CustomInfo    map[string]string `json:"customInfo"`
}

// V2TIM's enumerations, in index order.
var (
	genders    = []string{profile.GenderUnknown, profile.GenderMale, profile.GenderFemale}
	allowTypes = []string{profile.AllowAny, profile.AllowNeedConfirm, profile.AllowDenyAny}
)

func indexOf(list []string, v string) int {
	for i, s := range list {
		if s == v {
			return i
		}
	}
	return 0
}

// profileTags is every tag a UserInfo is made of for app a.
func profileTags(a *app.App) []string {
	tags := []string{profile.TagNick, profile.TagImage, profile.TagSelfSignature, profile.TagGender, profile.TagBirthDay,
		profile.TagLocation, profile.TagLanguage, profile.TagLevel, profile.TagRole, profile.TagAllowType}
	for _, kw := range a.ProfileCustomFields {
		tags = append(tags, profile.CustomPrefix+kw)
	}
	return tags
}

func userInfo(user string, items []profile.Pair) UserInfo {
	u := UserInfo{UserID: user, CustomInfo: map[string]string{}, AllowType: 1}
	for _, it := range items {
		v := it.Value
		switch it.Tag {
		case profile.TagNick:
			u.NickName = v.Str
		case profile.TagImage:
			u.FaceURL = v.Str
		case profile.TagSelfSignature:
			u.SelfSignature = v.Str
		case profile.TagGender:
			u.Gender = indexOf(genders, v.Str)
		case profile.TagBirthDay:
			u.Birthday = v.Int
		case profile.TagLocation:
			u.Location = v.Str
		case profile.TagLanguage:
			u.Language = v.Int
		case profile.TagLevel:
			u.Level = v.Int
		case profile.TagRole:
			u.Role = v.Int
		case profile.TagAllowType:
			u.AllowType = indexOf(allowTypes, v.Str)
		default:
			if kw, ok := strings.CutPrefix(it.Tag, profile.CustomPrefix); ok && v.Str != "" {
				u.CustomInfo[kw] = v.Str
			}
		}
	}
	return u
}

// users reads the profiles of ids; unknown users are left out.
func (g *Gateway) users(ctx context.Context, a *app.App, ids []string) (map[string]UserInfo, error) {
	out := map[string]UserInfo{}
	if len(ids) == 0 {
		return out, nil
	}
	results, err := g.Profiles.Get(ctx, a, ids, profileTags(a))
	if err != nil {
		return nil, err
	}
	for _, r := range results {
		if r.Err == nil {
			out[r.User] = userInfo(r.User, r.Items)
		}
	}
	return out, nil
}

// maxUsersPerCall is the seeds' cap on getUserProfile.
const maxUsersPerCall = 100

func (g *Gateway) userGet(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d userIDs
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	if len(d.UserIDs) == 0 || len(d.UserIDs) > maxUsersPerCall {
		return nil, errcode.Newf(CodeInvalidRequest, "userIDs: 1 to %d", maxUsersPerCall)
	}
	found, err := g.users(ctx, c.app, d.UserIDs)
	if err != nil {
		return nil, err
	}
	list := make([]UserInfo, 0, len(found))
	for _, id := range d.UserIDs {
		if u, ok := found[id]; ok {
			list = append(list, u)
		}
	}
	return map[string]any{"users": list}, nil
}

func (g *Gateway) userSetSelf(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		NickName      *string           `json:"nickName"`
		FaceURL       *string           `json:"faceURL"`
		SelfSignature *string           `json:"selfSignature"`
		Gender        *int              `json:"gender"`
		Birthday      *int64            `json:"birthday"`
		Location      *string           `json:"location"`
		Language      *int64            `json:"language"`
		Level         *int64            `json:"level"`
		Role          *int64            `json:"role"`
		AllowType     *int              `json:"allowType"`
		CustomInfo    map[string]string `json:"customInfo"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	var items []profile.Item
	str := func(tag string, v *string) {
		if v != nil {
			b, _ := json.Marshal(*v)
			items = append(items, profile.Item{Tag: tag, Value: b})
		}
	}
	num := func(tag string, v *int64) {
		if v != nil {
			b, _ := json.Marshal(*v)
			items = append(items, profile.Item{Tag: tag, Value: b})
		}
	}
	enum := func(tag string, v *int, values []string) error {
		if v == nil {
			return nil
		}
		if *v < 0 || *v >= len(values) {
			return errcode.Newf(errcode.ProfileBadValue, "Err_Profile_Value_Invalid: %s", tag)
		}
		str(tag, &values[*v])
		return nil
	}
	str(profile.TagNick, d.NickName)
	str(profile.TagImage, d.FaceURL)
	str(profile.TagSelfSignature, d.SelfSignature)
	str(profile.TagLocation, d.Location)
	num(profile.TagBirthDay, d.Birthday)
	num(profile.TagLanguage, d.Language)
	num(profile.TagLevel, d.Level)
	num(profile.TagRole, d.Role)
	if err := enum(profile.TagGender, d.Gender, genders); err != nil {
		return nil, err
	}
	if err := enum(profile.TagAllowType, d.AllowType, allowTypes); err != nil {
		return nil, err
	}
	for k, v := range d.CustomInfo {
		v := v
		str(profile.CustomPrefix+k, &v)
	}
	if err := g.Profiles.Set(ctx, c.app, c.session.User, items); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}
