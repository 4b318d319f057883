// Package profile owns user profiles: the standard Tag_Profile_IM_* fields
// with their types and value sets, and the app's declared custom fields.
package profile

import (
	"strings"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/store"
)

// Standard profile tags.
const (
	TagNick            = "Tag_Profile_IM_Nick"
	TagGender          = "Tag_Profile_IM_Gender"
	TagBirthDay        = "Tag_Profile_IM_BirthDay"
	TagLocation        = "Tag_Profile_IM_Location"
	TagSelfSignature   = "Tag_Profile_IM_SelfSignature"
	TagAllowType       = "Tag_Profile_IM_AllowType"
	TagLanguage        = "Tag_Profile_IM_Language"
	TagImage           = "Tag_Profile_IM_Image"
	TagMsgSettings     = "Tag_Profile_IM_MsgSettings"
	TagAdminForbidType = "Tag_Profile_IM_AdminForbidType"
	TagLevel           = "Tag_Profile_IM_Level"
	TagRole            = "Tag_Profile_IM_Role"

	CustomPrefix = "Tag_Profile_Custom_"
)

// Values of TagAllowType; NeedConfirm applies when a user never set one.
const (
	AllowNeedConfirm = "AllowType_Type_NeedConfirm"
	AllowAny         = "AllowType_Type_AllowAny"
	AllowDenyAny     = "AllowType_Type_DenyAny"
)

// Values of TagAdminForbidType.
const (
	ForbidNone    = "AdminForbid_Type_None"
	ForbidSendOut = "AdminForbid_Type_SendOut"
)

// Values of TagGender.
const (
	GenderUnknown = "Gender_Type_Unknown"
	GenderFemale  = "Gender_Type_Female"
	GenderMale    = "Gender_Type_Male"
)

// MaxValueBytes is the cap on any profile value.
const MaxValueBytes = 500

type kind int

const (
	kindString kind = iota
	kindUint
)

type tagSpec struct {
	kind   kind
	maxLen int
	values []string // allowed values, nil for any
}

var standardTags = map[string]tagSpec{
	TagNick:            {kind: kindString, maxLen: MaxValueBytes},
	TagGender:          {kind: kindString, values: []string{GenderUnknown, GenderFemale, GenderMale}},
	TagBirthDay:        {kind: kindUint},
	TagLocation:        {kind: kindString, maxLen: 16},
	TagSelfSignature:   {kind: kindString, maxLen: MaxValueBytes},
	TagAllowType:       {kind: kindString, values: []string{AllowNeedConfirm, AllowAny, AllowDenyAny}},
	TagLanguage:        {kind: kindUint},
	TagImage:           {kind: kindString, maxLen: MaxValueBytes},
	TagMsgSettings:     {kind: kindUint},
	TagAdminForbidType: {kind: kindString, values: []string{ForbidNone, ForbidSendOut}},
	TagLevel:           {kind: kindUint},
	TagRole:            {kind: kindUint},
}

// lookupTag returns the spec of a standard or declared custom tag.
func lookupTag(a *app.App, tag string) (tagSpec, bool) {
	if s, ok := standardTags[tag]; ok {
		return s, true
	}
	if kw, ok := strings.CutPrefix(tag, CustomPrefix); ok && a.HasProfileCustomField(kw) {
		return tagSpec{kind: kindString, maxLen: MaxValueBytes}, true
	}
	return tagSpec{}, false
}

// KnownTag reports whether tag is a standard or declared custom profile tag.
func KnownTag(a *app.App, tag string) bool {
	_, ok := lookupTag(a, tag)
	return ok
}

// IsProfileTag reports whether tag belongs to the profile namespace at all.
func IsProfileTag(tag string) bool { return strings.HasPrefix(tag, "Tag_Profile_") }

// DefaultValue is the value of a tag that was never set.
func DefaultValue(a *app.App, tag string) store.Value {
	switch tag {
	case TagAllowType:
		return store.StringValue(AllowNeedConfirm)
	case TagGender:
		return store.StringValue(GenderUnknown)
	case TagAdminForbidType:
		return store.StringValue(ForbidNone)
	}
	if spec, ok := lookupTag(a, tag); ok && spec.kind == kindUint {
		return store.IntValue(0)
	}
	return store.StringValue("")
}
