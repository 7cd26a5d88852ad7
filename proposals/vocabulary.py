"""Names as practice-management exports spell them: tokenising every naming style and the synonyms
that point a column or a table at a canonical field or entity.

`Surname`, `LAST_NAME`, `PTNT_LASTNAME`, `ClientLastName`, `client-last-name` all reduce to the same
compact form `lastname` once the style is read and the table's own prefix (`PTNT`, `Client`) dropped."""

from __future__ import annotations

import re
from functools import lru_cache

# Abbreviations seen in PMS exports (research/sources-round2.md: Profile, PPMP, Medtech column names),
# expanded before matching. Keys are whole lower-case tokens.
ABBREVIATIONS = {
    "ptnt": "patient",
    "loc": "location",
    "pt": "patient",
    "pat": "patient",
    "pnt": "patient",
    "cli": "client",
    "cl": "client",
    "prac": "practitioner",
    "pract": "practitioner",
    "dr": "doctor",
    "appt": "appointment",
    "apnt": "appointment",
    "apt": "appointment",
    "appts": "appointments",
    "inv": "invoice",
    "dob": "dateofbirth",
    "dod": "dateofdeath",
    "oid": "id",  # an object id (SQL Server schemas' row key)
    "pk": "id",
    "bdate": "dateofbirth",
    "fname": "firstname",
    "lname": "lastname",
    "mname": "middlename",
    "addr": "address",
    "add": "address",
    "ph": "phone",
    "tel": "phone",
    "telephone": "phone",
    "mob": "mobile",
    "cell": "mobile",
    "no": "number",
    "num": "number",
    "nbr": "number",
    "ref": "reference",
    "qty": "quantity",
    "amt": "amount",
    "desc": "description",
    "org": "organisation",
    "organization": "organisation",
    "tz": "timezone",
    "dt": "date",
    "tm": "time",
    "pc": "postcode",
    "zip": "postcode",
    "gst": "tax",
    "vat": "tax",
}

# Words that only say "this is a table/column" in a style (`tbl_Patient`, `gpm_client`, `col_x`).
# `mig` is the Gensolve import's "migration" prefix (targets/gensolve/schema/import_schema.yaml).
NOISE_TOKENS = frozenset({"tbl", "table", "gpm", "mig", "dbo", "col", "fld", "export", "data", "list", "all"})


def tokens(name: str) -> list[str]:
    """Lower-case words of a name in any style: snake, SCREAMING, camel, Pascal, kebab, spaced."""
    return list(_tokens(name))


# The proposer asks for the words of the same few hundred column and table names hundreds of thousands of
# times (every column against every field of every entity): each name is read once.
_CAMEL_BREAK = re.compile(r"([a-z0-9])([A-Z])")
_ACRONYM_BREAK = re.compile(r"([A-Z]+)([A-Z][a-z])")
_SEPARATORS = re.compile(r"[^A-Za-z0-9]+")


@lru_cache(maxsize=65536)
def _tokens(name: str) -> tuple[str, ...]:
    spaced = _ACRONYM_BREAK.sub(r"\1 \2", _CAMEL_BREAK.sub(r"\1 \2", name))
    words = [w.lower() for w in _SEPARATORS.split(spaced) if w]
    return tuple(ABBREVIATIONS.get(w, w) for w in words if w.lower() not in NOISE_TOKENS)


def compact(words: list[str]) -> str:
    return "".join(words)


def naming_style(name: str) -> str:
    """The naming style a name is written in, named for the evidence shown to the person."""
    if "_" in name and name.upper() == name:
        return "SCREAMING_SNAKE"
    if "_" in name and name.lower() == name:
        return "snake_case"
    if "-" in name:
        return "kebab-case"
    if " " in name:
        return "spaced words"
    if name[:1].isupper() and any(c.islower() for c in name):
        return "PascalCase"
    if name[:1].islower() and any(c.isupper() for c in name):
        return "camelCase"
    return "one word"


# Table names (compact, after expansion, singular) → canonical entity.
ENTITY_SYNONYMS: dict[str, tuple[str, ...]] = {
    "site": ("site", "location", "clinic", "business", "practice", "branch", "premises", "room", "unit"),
    "practitioner": (
        "practitioner",
        "provider",
        "clinician",
        "staff",
        "user",
        "therapist",
        "doctor",
        "employee",
        "teammember",
        "staffmember",
    ),
    "client_organisation": (
        "organisation",
        "clientorganisation",
        "company",
        "employer",
        "insurer",
        "thirdparty",
        "funder",
        "contact",
    ),
    "referrer": (
        "referrer",
        "referringdoctor",
        "referral",
        "gp",
        "referringpractitioner",
        "referringprovider",
        "referralsource",
    ),
    "client": ("client", "patient", "customer", "person", "member"),
    "condition": ("condition", "case", "claim", "episode", "injury", "treatmentplan", "acc"),
    "appointment": ("appointment", "booking", "visit", "attendance", "session", "consult", "consultation"),
    "clinical_note": (
        "clinicalnote",
        "note",
        "treatmentnote",
        "casenote",
        "consultnote",
        "consultation",
        "letter",
        "record",
    ),
    # A practice's "account" is the bill a patient owes (NZ desktop systems call invoices accounts).
    "invoice": ("invoice", "bill", "transaction", "charge", "sale", "account"),
    "invoice_line": (
        "invoiceline",
        "invoiceitem",
        "lineitem",
        "billitem",
        "line",
        "item",
        "charge",
        "accountitem",
        "accountline",
    ),
    "payment": ("payment", "receipt"),
    "custom_field_definition": ("customfield", "customfielddefinition", "field", "formfield", "userfield"),
    "custom_field_value": ("customvalue", "customfieldvalue", "fieldvalue", "formvalue", "userfieldvalue"),
    "document": ("document", "attachment", "file", "upload"),
    "communication": ("communication", "message", "sms", "email", "correspondence", "communicationlog", "log"),
}

# Canonical field → compact names that mean it (the canonical name's own compact form is implied).
FIELD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "first_name": ("firstname", "givenname", "forename", "given", "firstnames", "christianname"),
    "last_name": ("lastname", "surname", "familyname", "family"),
    "middle_name": ("middlename", "middlenames", "othernames", "secondname"),
    "preferred_name": ("preferredname", "knownas", "nickname", "prefname", "preferredfirstname"),
    "display_name": ("displayname", "fullname", "screenname"),
    "title": ("title", "salutation", "honorific", "prefix"),
    "date_of_birth": ("dateofbirth", "birthdate", "birthday", "born", "dateborn"),
    "sex": ("sex", "gender", "birthsex"),
    "gender_identity": ("genderidentity", "identifiesas"),
    "email": ("email", "emailaddress", "mail", "emailaddr"),
    "mobile_phone": ("mobilephone", "mobile", "mobilenumber", "mobilephonenumber", "cellphone", "mobilephoneno"),
    "home_phone": ("homephone", "phonehome", "homenumber", "homephonenumber", "hometelephone", "phone1"),
    "work_phone": ("workphone", "businessphone", "phonework", "workphonenumber", "daytimephone", "phone2"),
    "phone": ("phone", "phonenumber", "contactnumber", "contactphone", "mainphone"),
    "address_line_1": ("addressline1", "address1", "address", "street", "streetaddress", "addr1", "line1"),
    "address_line_2": ("addressline2", "address2", "suburb", "line2", "locality"),
    "address_line_3": ("addressline3", "address3", "line3"),
    "city": ("city", "town", "towncity", "citytown"),
    "state": ("state", "region", "province", "county"),
    "postcode": ("postcode", "postalcode", "zipcode", "post"),
    "country_code": ("countrycode", "country", "countryiso"),
    "nhi": ("nhi", "nhinumber", "nationalhealthindex"),
    "medicare_number": ("medicarenumber", "medicare", "medicareno", "medicarecard"),
    "medicare_irn": ("medicareirn", "irn", "medicarereference", "medicareref"),
    "nhs_number": ("nhsnumber", "nhs", "nhsno"),
    "dva_number": ("dvanumber", "dva", "dvafilenumber", "veteransnumber"),
    "emergency_contact": ("emergencycontact", "nextofkin", "kin", "emergencycontactname"),
    "occupation": ("occupation", "job", "jobtitle", "profession"),
    "profession": ("profession", "discipline", "speciality", "specialty", "role"),
    "registration_numbers": ("registrationnumbers", "registrationnumber", "registration", "ahpra", "licencenumber"),
    "registration_number": ("registrationnumber", "abn", "gstnumber", "companynumber", "businessnumber"),
    "provider_number": ("providernumber", "provider", "prescribernumber", "medicareprovidernumber"),
    "notes": ("notes", "note", "comments", "comment", "remarks", "memo", "alert", "alerts"),
    "referral_source": ("referralsource", "howheard", "heardabout", "source", "marketingsource"),
    "concession_type": ("concessiontype", "concession", "discountcategory", "pensioner"),
    "is_email_marketing_accepted": ("emailconsent", "emailmarketing", "emailoptin", "acceptsemail", "marketingemail"),
    "is_sms_marketing_accepted": (
        "smsconsent",
        "smsmarketing",
        "smsoptin",
        "acceptssms",
        "marketingsms",
        "textconsent",
    ),
    "is_privacy_policy_accepted": ("privacyconsent", "privacypolicy", "privacyaccepted", "consent"),
    "is_archived": ("isarchived", "archived", "inactive", "deleted", "isdeleted", "hidden"),
    "is_active": ("isactive", "active", "enabled", "current"),
    "archived_at": ("archivedat", "archiveddate", "dateachived", "deletedat", "inactivedate"),
    "created_at": (
        "createdat",
        "created",
        "datecreated",
        "createddate",
        "createdon",
        "entered",
        "dateentered",
        "written",
        "datewritten",
        "insertedat",
        "opened",
        "dateopened",
        "openeddate",
    ),
    "updated_at": (
        "updatedat",
        "updated",
        "modified",
        "lastmodified",
        "datemodified",
        "modifiedat",
        "changedat",
        "lastupdated",
    ),
    "name": (
        "name",
        "fieldname",
        "sitename",
        "locationname",
        "businessname",
        "organisationname",
        "conditionname",
        "casename",
        "tradingname",
    ),
    "legal_name": ("legalname", "registeredname", "entityname"),
    "website": ("website", "url", "web", "homepage"),
    "time_zone": ("timezone", "zone", "tzname", "olsonzone", "ianazone"),
    "organisation_type": ("organisationtype", "orgtype", "type", "category", "kind"),
    "organisation_name": ("organisationname", "organisation", "practicename", "clinicname", "company", "surgery"),
    "contact_name": ("contactname", "contactperson", "contact", "attention"),
    "referral_type": ("referraltype", "referrertype", "type"),
    "claim_type": ("claimtype", "funder", "fundingtype", "payer", "casetype", "funding"),
    "claim_number": ("claimnumber", "acc45number", "acc45", "claimreference", "claimno", "acc45no"),
    "injury_date": ("injurydate", "dateofinjury", "accidentdate", "onsetdate"),
    "issue_date": ("issuedate", "referralissuedate", "dateissued", "referraldate", "invoicedate", "date", "issued"),
    "expiry_date": ("expirydate", "referralexpirydate", "expires", "validuntil", "expiry"),
    "max_sessions": ("maxsessions", "approvedsessions", "sessionsapproved", "numberofsessions", "sessions"),
    "is_closed": ("isclosed", "closed", "resolved", "discharged"),
    "appointment_type": (
        "appointmenttype",
        "type",
        "service",
        "bookingtype",
        "visittype",
        "treatmenttype",
        "treatment",
    ),
    "starts_at": (
        "startsat",
        "start",
        "starts",
        "starttime",
        "startdatetime",
        "startdate",
        "begins",
        "from",
        "appointmentstart",
        "datetime",
        "booktime",
        "bookedtime",
        "appointmenttime",
    ),
    "ends_at": ("endsat", "end", "ends", "endtime", "enddatetime", "finish", "finishtime", "to", "appointmentend"),
    "status": ("status", "state", "bookingstatus", "appointmentstatus", "invoicestatus", "outcome"),
    "cancellation_reason": ("cancellationreason", "cancelreason", "reasoncancelled", "cancelledreason"),
    "cancellation_note": ("cancellationnote", "cancelnote", "cancellationnotes"),
    "cancelled_at": ("cancelledat", "cancelled", "datecancelled", "cancelleddate", "cancellationdate"),
    "is_group": ("isgroup", "group", "isclass", "class", "groupbooking"),
    "group_id": ("groupid", "classid", "classkey", "groupkey", "groupreference"),
    "note_type": ("notetype", "template", "templatename", "type", "kind"),
    "body_text": ("bodytext", "body", "text", "content", "note", "notes", "details", "plaintext"),
    "body_original": ("bodyoriginal", "original", "richtext", "html", "rtf", "bodyhtml", "contenthtml"),
    "author_name": ("authorname", "author", "writtenby", "createdby", "enteredby"),
    "is_draft": ("isdraft", "draft", "unfinalised", "unsigned"),
    "finalised_at": ("finalisedat", "finalised", "signedat", "signed", "finalizedat", "lockedat"),
    "channel": ("channel", "medium", "method", "type"),
    "direction": ("direction", "inout", "inbound", "outbound"),
    "category": ("category", "purpose", "reason", "kind"),
    "sent_at": ("sentat", "sent", "datesent", "senttime", "timestamp"),
    "from_address": ("fromaddress", "from", "sender", "sentfrom"),
    "to_address": ("toaddress", "to", "recipient", "sentto"),
    "subject": ("subject", "heading", "topic"),
    "body": ("body", "message", "text", "content"),
    "invoice_number": ("invoicenumber", "number", "invoiceno", "reference"),
    "currency": ("currency", "currencycode", "ccy"),
    "invoice_to": ("invoiceto", "payername", "payer", "billto", "debtor"),
    "net_amount": ("netamount", "net", "subtotal", "amountexcltax", "exclusive", "amountex"),
    "tax_amount": ("taxamount", "tax", "taxtotal"),
    "total_amount": ("totalamount", "total", "amount", "gross", "amountincltax", "inclusive"),
    "discount_amount": ("discountamount", "discount"),
    "external_ref": ("externalref", "externalreference", "xeroid", "accountingid", "externalid"),
    "closed_at": ("closedat", "dateclosed", "closeddate", "paidat"),
    "description": ("description", "itemdescription", "details", "label", "item"),
    "item_code": ("itemcode", "code", "servicecode", "productcode", "billingcode", "sku"),
    "quantity": ("quantity", "units", "count"),
    "unit_price_amount": ("unitpriceamount", "unitprice", "price", "rate", "fee", "unitcost"),
    "tax_name": ("taxname", "taxcode", "taxtype"),
    "tax_rate": ("taxrate", "taxpercent", "rate"),
    "paid_at": (
        "paidat",
        "paidon",
        "paid",
        "paymentdate",
        "datepaid",
        "receivedat",
        "receivedon",
        "received",
        "receiptdate",
        "date",
    ),
    "amount": ("amount", "paymentamount", "paid"),
    "method": ("method", "paymentmethod", "tender", "paymenttype"),
    "reference": ("reference", "paymentreference", "receiptnumber"),
    "applies_to": ("appliesto", "entity", "recordtype", "target"),
    "section": ("section", "group", "tab", "page"),
    "field_type": ("fieldtype", "type", "datatype", "inputtype"),
    "options": ("options", "choices", "values", "picklist"),
    "position": ("position", "order", "sortorder", "sequence", "displayorder", "rank"),
    "value_text": ("valuetext", "value", "answer", "text"),
    "file_name": ("filename", "name", "originalname", "file"),
    "mime_type": ("mimetype", "contenttype", "filetype"),
    "size_bytes": ("sizebytes", "size", "filesize", "bytes", "length"),
    "sha256": ("sha256", "checksum", "hash", "digest"),
    "storage_uri": ("storageuri", "path", "filepath", "location", "uri"),
    "pronouns": ("pronouns", "pronoun"),
}

# A required yes/no field → further names of a date column whose presence sets it (besides `<flag>_at`,
# `<flag>_on`, `date_<flag>`…): a patient with a date of death is archived, as practices archive the deceased.
FLAG_DATES: dict[str, tuple[str, ...]] = {
    "is_archived": ("dateofdeath", "deathdate", "deceasedat", "deceaseddate", "dateofdeceased", "diedon"),
}

# A yes/no field a record's state says (`status` Active / Inactive, `archive` True / False): the words that say
# it is true and the words that say it is false, in a column's name or in its values (compact, lower case).
FLAG_STATES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "is_active": (
        ("active", "isactive", "enabled", "current", "live"),
        ("inactive", "disabled", "archived", "archive", "deleted", "retired", "former", "suspended", "left"),
    ),
    "is_archived": (
        ("archived", "archive", "isarchived", "inactive", "deleted", "isdeleted", "hidden", "disabled", "retired"),
        ("active", "current", "enabled", "live"),
    ),
    "is_closed": (
        ("closed", "isclosed", "resolved", "discharged", "completed", "complete", "finished"),
        ("open", "ongoing", "current"),
    ),
    "is_draft": (
        ("draft", "isdraft", "unsigned", "incomplete"),
        ("final", "signed", "finalised", "finalized", "locked", "completed", "complete"),
    ),
}
# Names of a column holding a record's state, neither yes nor no by itself (its values say which).
STATUS_NAMES = frozenset({"status", "state", "recordstatus", "statuscode"})

# Which canonical kinds of value a field takes (for value-profile evidence), by canonical dtype.
NAMED_KINDS: dict[str, tuple[str, ...]] = {
    "email": ("email",),
    "from_address": ("email", "phone:NZ", "phone:AU", "phone:UK"),
    "to_address": ("email", "phone:NZ", "phone:AU", "phone:UK"),
    "mobile_phone": ("phone:NZ", "phone:AU", "phone:UK"),
    "home_phone": ("phone:NZ", "phone:AU", "phone:UK"),
    "work_phone": ("phone:NZ", "phone:AU", "phone:UK"),
    "phone": ("phone:NZ", "phone:AU", "phone:UK"),
    "nhi": ("identifier:nhi",),
    "medicare_number": ("identifier:medicare",),
    "nhs_number": ("identifier:nhs_number",),
    "dva_number": ("identifier:dva_number",),
    "time_zone": ("time_zone",),
    "body_original": ("html", "text"),
}
# Identifiers whose check digit alone names the field (a chance match of nearly a whole column is
# vanishingly unlikely): the column is proposed even with an unknown name.
IDENTIFIER_FIELDS = {
    "identifier:nhi": "nhi",
    "identifier:medicare": "medicare_number",
    "identifier:nhs_number": "nhs_number",
}

# Words a row of a shared table is marked with when one table holds several entities' rows (a providers table of
# the practice's own clinicians and of the doctors who refer: `PPPU_ISEXTERNAL`, `provider_type` Internal /
# External). A value or a yes/no column's name holding one of them says which entity its rows are.
ROW_ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "referrer": ("external", "referrer", "referring", "referral", "outside", "visiting"),
    "practitioner": ("internal", "inhouse", "staff", "clinician", "practitioner", "employee"),
    "client_organisation": ("organisation", "organization", "company", "employer", "insurer"),
    "client": ("patient", "client"),
}
# Words naming a column that sorts a table's rows into kinds (`provider_type`, `ROLE`, `Category`).
KIND_WORDS = frozenset({"type", "kind", "category", "class", "role", "group", "is"})
