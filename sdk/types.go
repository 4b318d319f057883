package sdk

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// Platform is the kind of device an instance logs in as. The server allows
// a limited number of online instances per platform and kicks the oldest one
// beyond it (docs/protocol.md, Session 3).
type Platform string

// Platforms of the protocol.
const (
	PlatformWeb     Platform = "Web"
	PlatformAndroid Platform = "Android"
	PlatformIOS     Platform = "iOS"
	PlatformIPad    Platform = "iPad"
	PlatformWindows Platform = "Windows"
	PlatformMac     Platform = "Mac"
)

func (p Platform) valid() bool {
	switch p {
	case PlatformWeb, PlatformAndroid, PlatformIOS, PlatformIPad, PlatformWindows, PlatformMac:
		return true
	}
	return false
}

// LoginStatus is a Manager's login state (V2TIM_STATUS_*).
type LoginStatus int

// Login states, with V2TIM's values.
const (
	StatusLoggedIn  LoginStatus = 1 // V2TIM_STATUS_LOGINED
	StatusLoggingIn LoginStatus = 2 // V2TIM_STATUS_LOGINING: Login running, or reconnecting after a drop
	StatusLoggedOut LoginStatus = 3 // V2TIM_STATUS_LOGOUT
)

func (s LoginStatus) String() string {
	switch s {
	case StatusLoggedIn:
		return "logged in"
	case StatusLoggingIn:
		return "logging in"
	case StatusLoggedOut:
		return "logged out"
	}
	return "LoginStatus(" + strconv.Itoa(int(s)) + ")"
}

// Gender of a profile (V2TIM_GENDER_*).
type Gender int

// Genders.
const (
	GenderUnknown Gender = 0
	GenderMale    Gender = 1
	GenderFemale  Gender = 2
)

// AllowType is how a user treats friend requests (V2TIM_FRIEND_*).
type AllowType int

// Allow types.
const (
	AllowTypeAllowAny    AllowType = 0 // requests are accepted at once
	AllowTypeNeedConfirm AllowType = 1 // requests wait for the user (the server's default)
	AllowTypeDenyAny     AllowType = 2 // requests are refused (30516)
)

// ProfileField names a field of UserFullInfo, for
// UserFullInfo.ModifiedFields.
type ProfileField uint32

// Profile fields.
const (
	FieldNickName ProfileField = 1 << iota
	FieldFaceURL
	FieldSelfSignature
	FieldGender
	FieldBirthday
	FieldLocation
	FieldLanguage
	FieldLevel
	FieldRole
	FieldAllowType
	FieldCustomInfo
)

// UserFullInfo is a user's profile (V2TIMUserFullInfo).
type UserFullInfo struct {
	UserID        string
	NickName      string
	FaceURL       string
	SelfSignature string
	Gender        Gender
	Birthday      int64 // e.g. 20000101
	Location      string
	Language      int64
	Level         int64
	Role          int64
	AllowType     AllowType
	// CustomInfo holds the app's declared custom fields (Tag_Profile_Custom_<key>)
	// by key.
	CustomInfo map[string]string

	// ModifiedFields is read by SetSelfInfo only: it sends every field that
	// is not the zero value plus every field named here, so a field can be
	// set to its zero value (Gender unknown, AllowType allow-any, an empty
	// nickname): UserFullInfo{AllowType: AllowTypeAllowAny, ModifiedFields:
	// FieldAllowType}.
	ModifiedFields ProfileField
}

// FriendType selects one-way or two-way friend operations
// (V2TIM_FRIEND_TYPE_*).
type FriendType int

// Friend types. The zero value means FriendTypeBoth, the protocol's default.
const (
	FriendTypeSingle FriendType = 1
	FriendTypeBoth   FriendType = 2
)

func (t FriendType) wire() string {
	if t == FriendTypeSingle {
		return "single"
	}
	return "both"
}

// FriendRelation is how two users relate (V2TIM_FRIEND_RELATION_TYPE_*).
type FriendRelation int

// Relations, A being the caller and B the other user.
const (
	RelationNone              FriendRelation = 0 // neither in the other's list (or, with FriendTypeSingle, B not in A's list)
	RelationInMyFriendList    FriendRelation = 1 // B in A's list only
	RelationInOtherFriendList FriendRelation = 2 // A in B's list only
	RelationBothWay           FriendRelation = 3 // both
)

func relationFromWire(s string) FriendRelation {
	switch s {
	case "in_my_list":
		return RelationInMyFriendList
	case "in_their_list":
		return RelationInOtherFriendList
	case "both_way":
		return RelationBothWay
	}
	return RelationNone
}

// FriendInfo is an entry of the friend list (V2TIMFriendInfo).
type FriendInfo struct {
	UserID       string
	FriendRemark string
	FriendGroups []string // the friend lists (groups) it belongs to
	// FriendCustomInfo holds the app's declared friend fields
	// (Tag_SNS_Custom_<key>); values are string or int64.
	FriendCustomInfo map[string]any
	AddSource        string
	AddWording       string
	AddTime          int64 // unix seconds
	UserProfile      UserFullInfo

	// ModifiedFields is read by SetFriendInfo only: it sends FriendRemark
	// when non-empty or FieldFriendRemark is set, and FriendCustomInfo when
	// non-empty or FieldFriendCustomInfo is set.
	ModifiedFields FriendField
}

// FriendField names a field of FriendInfo, for FriendInfo.ModifiedFields.
type FriendField uint32

// Friend fields SetFriendInfo can change.
const (
	FieldFriendRemark FriendField = 1 << iota
	FieldFriendCustomInfo
)

// FriendInfoResult is one answer of GetFriendsInfo (V2TIMFriendInfoResult).
type FriendInfoResult struct {
	ResultCode int
	ResultInfo string
	Relation   FriendRelation
	// FriendInfo is the friend entry when the user is in the caller's list;
	// otherwise only UserID (and UserProfile when the server sends it) are set.
	FriendInfo FriendInfo
}

// FriendAddApplication is the argument of AddFriend
// (V2TIMFriendAddApplication).
type FriendAddApplication struct {
	UserID       string
	AddType      FriendType // zero means FriendTypeBoth
	FriendRemark string
	FriendGroup  string
	AddWording   string
	AddSource    string // e.g. "AddSource_Type_Web"
}

// FriendOperationResult is the per-user result of a friendship operation
// (V2TIMFriendOperationResult).
type FriendOperationResult struct {
	UserID     string
	ResultCode int
	ResultInfo string
}

// FriendCheckResult is one answer of CheckFriend (V2TIMFriendCheckResult).
type FriendCheckResult struct {
	UserID     string
	ResultCode int
	ResultInfo string
	ResultType FriendRelation
}

// FriendApplicationType tells incoming from outgoing friend requests
// (V2TIM_FRIEND_APPLICATION_*).
type FriendApplicationType int

// Application types. ApplicationUnknown only appears in a listener event
// whose request was already gone when the SDK read it (see
// FriendshipListener).
const (
	ApplicationUnknown FriendApplicationType = 0
	ApplicationComeIn  FriendApplicationType = 1 // someone asked the user
	ApplicationSendOut FriendApplicationType = 2 // the user asked someone
)

// FriendApplication is a pending friend request (V2TIMFriendApplication).
type FriendApplication struct {
	UserID     string // the other user
	Type       FriendApplicationType
	AddSource  string
	AddWording string
	Remark     string // the remark the requester gave the user
	GroupName  string // the friend list the requester put the user in
	AddTime    int64  // unix seconds
	Read       bool
}

// FriendApplicationResult is the answer of GetFriendApplicationList
// (V2TIMFriendApplicationResult).
type FriendApplicationResult struct {
	UnreadCount  int
	Applications []FriendApplication
}

// FriendResponseType is how AcceptFriendApplication answers
// (V2TIM_FRIEND_ACCEPT_*).
type FriendResponseType int

// Responses.
const (
	// ResponseAgree adds the requester's side only: the user goes into the
	// requester's list (one-way).
	ResponseAgree FriendResponseType = 0
	// ResponseAgreeAndAdd makes the friendship two-way.
	ResponseAgreeAndAdd FriendResponseType = 1
)

// FriendGroup is a friend list (V2TIMFriendGroup).
type FriendGroup struct {
	Name        string
	FriendCount int
	FriendIDs   []string
}

// ---- wire forms (docs/protocol.md, Objects) ----

type wireUser struct {
	UserID        string            `json:"userID"`
	NickName      string            `json:"nickName"`
	FaceURL       string            `json:"faceURL"`
	SelfSignature string            `json:"selfSignature"`
	Gender        flexInt           `json:"gender"`
	Birthday      flexInt           `json:"birthday"`
	Location      string            `json:"location"`
	Language      flexInt           `json:"language"`
	Level         flexInt           `json:"level"`
	Role          flexInt           `json:"role"`
	AllowType     flexInt           `json:"allowType"`
	CustomInfo    map[string]string `json:"customInfo"`
}

func (w wireUser) user() UserFullInfo {
	return UserFullInfo{
		UserID: w.UserID, NickName: w.NickName, FaceURL: w.FaceURL, SelfSignature: w.SelfSignature,
		Gender: Gender(w.Gender), Birthday: int64(w.Birthday), Location: w.Location, Language: int64(w.Language),
		Level: int64(w.Level), Role: int64(w.Role), AllowType: AllowType(w.AllowType), CustomInfo: w.CustomInfo,
	}
}

type wireFriend struct {
	UserID     string                     `json:"userID"`
	Remark     string                     `json:"remark"`
	Groups     []string                   `json:"groups"`
	AddSource  string                     `json:"addSource"`
	AddWording string                     `json:"addWording"`
	AddTime    flexInt                    `json:"addTime"`
	CustomInfo map[string]json.RawMessage `json:"customInfo"`
	Profile    *wireUser                  `json:"profile"`
}

func (w wireFriend) friend() FriendInfo {
	f := FriendInfo{
		UserID: w.UserID, FriendRemark: w.Remark, FriendGroups: w.Groups, AddSource: w.AddSource,
		AddWording: w.AddWording, AddTime: int64(w.AddTime),
	}
	if len(w.CustomInfo) > 0 {
		f.FriendCustomInfo = make(map[string]any, len(w.CustomInfo))
		for k, raw := range w.CustomInfo {
			f.FriendCustomInfo[k] = customValue(raw)
		}
	}
	if w.Profile != nil {
		f.UserProfile = w.Profile.user()
	}
	if f.UserProfile.UserID == "" {
		f.UserProfile.UserID = w.UserID
	}
	return f
}

// customValue decodes a friend custom value: a string, an integer, or (as a
// fallback) whatever JSON value it is.
func customValue(raw json.RawMessage) any {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if d.Decode(&n) == nil {
		if i, err := n.Int64(); err == nil {
			return i
		}
		if f, err := n.Float64(); err == nil {
			return f
		}
	}
	var v any
	_ = json.Unmarshal(raw, &v)
	return v
}

type wireApplication struct {
	UserID     string  `json:"userID"`
	Type       string  `json:"type"`
	AddSource  string  `json:"addSource"`
	AddWording string  `json:"addWording"`
	Remark     string  `json:"remark"`
	GroupName  string  `json:"groupName"`
	AddTime    flexInt `json:"addTime"`
	Read       bool    `json:"read"`
}

func (w wireApplication) application() FriendApplication {
	a := FriendApplication{UserID: w.UserID, AddSource: w.AddSource, AddWording: w.AddWording,
		Remark: w.Remark, GroupName: w.GroupName, AddTime: int64(w.AddTime), Read: w.Read}
	switch w.Type {
	case "come_in":
		a.Type = ApplicationComeIn
	case "send_out":
		a.Type = ApplicationSendOut
	}
	return a
}

type wireResult struct {
	UserID   string  `json:"userID"`
	Code     flexInt `json:"code"`
	Info     string  `json:"info"`
	Relation string  `json:"relation"`
}

func operationResults(in []wireResult) []FriendOperationResult {
	out := make([]FriendOperationResult, len(in))
	for i, r := range in {
		out[i] = FriendOperationResult{UserID: r.UserID, ResultCode: int(r.Code), ResultInfo: r.Info}
	}
	return out
}

// flexInt is an integer that also accepts a JSON string holding one, or
// null, so a server that renders a number differently does not fail a whole
// answer.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		*f = 0
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == "" {
			*f = 0
			return nil
		}
		b = []byte(s)
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	if i, err := n.Int64(); err == nil {
		*f = flexInt(i)
		return nil
	}
	fl, err := n.Float64()
	if err != nil {
		return err
	}
	*f = flexInt(int64(fl))
	return nil
}
