# Centinela — English interface
skip-to-content = Skip to content
nav-label = Main navigation
nav-dashboard = Dashboard
nav-institutions = Institutions
nav-audit = Audit trail
nav-api = API
nav-account = My account
logout = Sign out
footer = Centinela — national cyber-resilience platform
save = Save
add = Add
remove = Remove
actions = Actions
yes = Yes
no = No

role-admin = Administration
role-coordinator = National coordination
role-officer = Institution officer
role-crisis_member = Crisis committee
role-auditor = Audit

crit-essential = Essential
crit-important = Important
crit-other = Other
level-federal = Federal
level-state = State
level-municipal = Municipal
officer-head = Head of cybersecurity
officer-officer = Cybersecurity officer
contact-csirt = CSIRT
contact-noc = NOC
contact-abuse = Abuse
contact-legal = Legal
contact-press = Press
contact-other = Other
net-cidr = IP prefix
net-asn = Autonomous system (ASN)
net-domain = Domain

login-title = Sign in
login-intro = Access for staff of the national authority and of public institutions.
login-submit = Sign in
login-failed = Wrong e-mail or password.
login-throttled = Too many failed attempts. Wait a few minutes and try again.
totp-title = Second factor
totp-intro = Type the six-digit code from your authenticator app.
totp-submit = Verify
totp-failed = The code is not valid or was already used.
totp-section = Two-factor authentication (TOTP)
totp-on = The second factor is on.
totp-off = The second factor is off.
totp-enrol-help = Add this key to your authenticator app and type the code it shows to confirm it.
totp-enable = Turn on
totp-disable = Turn off
totp-required = Settings require a second factor for your role: turn it on to continue.

account-title = My account
tokens-title = API tokens
token-created = Token created. Copy it now: it will not be shown again.
token-create = Create token
token-revoke = Revoke
token-revoked = Revoked
token-active = Active

dashboard-title = National dashboard
kpi-institutions = institutions
kpi-officers = with head and officer named
kpi-ipv6 = with IPv6 prefixes registered
kpi-users = accounts
chart-criticality = Institutions by criticality
chart-sectors = Institutions by sector
live-title = Live changes
live-empty = No changes since you opened this page.

institutions-title = Institutions
institutions-count = { $n ->
    [one] { $n } institution
   *[other] { $n } institutions
}
institution-new = Register institution
filter-text = Search
filter-all = All
filter-apply = Filter
pager-label = Pagination
pager-prev = Previous
pager-next = Next
officers-title = Cybersecurity officers
officers-missing = This institution has not named its cybersecurity officers.
contacts-title = Contacts
networks-title = Networks
audit-title = Audit trail
audit-intro = Every change records who, what, when and the SHA-256 of the new state.
audit-count = { $n ->
    [one] { $n } entry
   *[other] { $n } entries
}

field-email = E-mail
field-password = Password
field-totp-code = Code
field-acronym = Acronym
field-name = Name
field-name-es = Name in Spanish
field-name-en = Name in English
field-slug = Short identifier
field-sector = Sector
field-subsector = Subsector
field-level = Level of government
field-criticality = Criticality
field-website = Website
field-role = Role
field-phone = Phone
field-named-on = Named on
field-kind = Kind
field-value = Value
field-source = Source
field-when = When
field-who = Who
field-action = Action
field-record = Record
field-write = Write
field-created = Created
field-state = State
help-slug = Lowercase letters, digits and hyphens; for example "sat".

docs-title = API documentation
docs-intro = Everything the interface does is also in the JSON API. OpenAPI 3.1 description:
docs-method = Method
docs-path = Path
docs-summary = Summary
docs-query = Parameters
docs-body = Body
docs-response = Response

error-title = The request could not be completed
error-home = Back to the start

err-not-found = The requested resource does not exist or you have no access to it.
err-forbidden = You are not allowed to do this.
err-unauthenticated = Sign in or send a valid token (Authorization: Bearer …).
err-bad-token = The token is not valid, was revoked or has expired.
err-csrf = The request lacks a valid CSRF token or comes from another site. Reload the page and try again.
err-bad-request = The request is malformed. { $detail }
err-json-syntax = The body is not valid JSON: { $detail }
err-json-data = The JSON does not have the expected shape: { $detail }
err-form = The form does not have the expected shape. { $detail }
err-query = The query parameters are not valid: { $detail }
err-media-type = Unsupported content type: send application/json.
err-too-large = The request is larger than allowed.
err-timeout = The request took too long.
err-method = HTTP method not allowed on this path.
err-conflict = Already exists: { $what }.
err-internal = An internal error occurred; it has been logged.
err-invalid = Check the marked fields.
err-invalid-value = Invalid value.
err-required = This field is required.
err-too-long = At most { $max } characters.
err-control-chars = Contains control characters that are not allowed.
err-email = Type a valid e-mail, such as name@institution.gob.mx.
err-slug = Use only lowercase letters, digits and hyphens.
err-sector = Choose a sector from the list.
err-subsector = That subsector does not belong to the chosen sector.
err-choice = Choose one of the options.
err-https-url = The website must start with https://.
err-date = Use the format YYYY-MM-DD.
err-cidr = Type an IPv4 or IPv6 prefix, such as 198.51.100.0/28 or 2001:db8::/48.
err-cidr-host-bits = The prefix has host bits set; did you mean { $suggestion }?
err-asn = Type an autonomous system number, such as 64500.
err-domain = Type a domain, such as example.gob.mx.
err-network-taken = That network is already registered by an institution.
err-taken = Already in use.
err-password-short = The password must have at least { $min } characters.
err-password-common = That password is too common or equal to your e-mail.
err-classification-locked = Only the national coordination may change the institution's classification.
err-no-institution = No such institution.
err-range = Must be between { $min } and { $max }.
err-not-anchored = This entry is not in the transparency log yet; try again in a few seconds.
audit-log = Transparency log
audit-pending = pending
institution-edit = Edit institution
classification-locked-help = The classification (identifier, sector, level of government, criticality) is set by the national coordination.
officers-name = Name or change an officer
users-title = Accounts
users-count = { $n ->
    [one] { $n } account
   *[other] { $n } accounts
}
user-new = Create account
user-create = Create
field-institution = Institution
help-password = At least 12 characters; a long phrase beats symbols.
nav-users = Accounts
password-section = Password
password-change = Change password
password-changed = Password changed; your other sessions were ended.
field-current-password = Current password
field-new-password = New password
err-password-wrong = The current password is not correct.
