-- gensolve_import: generated from import_schema.yaml by `python -m targets.gensolve.catalogue`.
-- Oracle Database 19c+ (identifiers up to 128 bytes); do not edit by hand.

CREATE TABLE gpm_vendor (
  mig_key VARCHAR2(200 BYTE) NOT NULL,
  mig_source_system VARCHAR2(40 BYTE) NOT NULL,
  mig_source_id VARCHAR2(200 BYTE) NOT NULL,
  mig_origin_id VARCHAR2(200 BYTE) NOT NULL,
  vendor_name VARCHAR2(200 BYTE) NOT NULL,
  legal_name VARCHAR2(200 BYTE),
  gst_number VARCHAR2(40 BYTE),
  acc_vendor_id VARCHAR2(20 BYTE),
  country_code VARCHAR2(2 BYTE),
  CONSTRAINT gpm_vendor_pk PRIMARY KEY (mig_key)
);

CREATE TABLE gpm_site (
  mig_key VARCHAR2(200 BYTE) NOT NULL,
  mig_source_system VARCHAR2(40 BYTE) NOT NULL,
  mig_source_id VARCHAR2(200 BYTE) NOT NULL,
  mig_origin_id VARCHAR2(200 BYTE) NOT NULL,
  vendor_key VARCHAR2(200 BYTE) NOT NULL,
  site_name VARCHAR2(200 BYTE) NOT NULL,
  address_line_1 VARCHAR2(400 BYTE),
  address_line_2 VARCHAR2(400 BYTE),
  city VARCHAR2(200 BYTE),
  region VARCHAR2(100 BYTE),
  postcode VARCHAR2(20 BYTE),
  country_code VARCHAR2(2 BYTE),
  phone VARCHAR2(40 BYTE),
  email VARCHAR2(320 BYTE),
  time_zone VARCHAR2(64 BYTE) NOT NULL,
  is_archived NUMBER(1) NOT NULL CHECK (is_archived IN (0, 1)),
  CONSTRAINT gpm_site_pk PRIMARY KEY (mig_key),
  CONSTRAINT gpm_site_1_fk FOREIGN KEY (vendor_key) REFERENCES gpm_vendor (mig_key)
);

CREATE TABLE gpm_practitioner (
  mig_key VARCHAR2(200 BYTE) NOT NULL,
  mig_source_system VARCHAR2(40 BYTE) NOT NULL,
  mig_source_id VARCHAR2(200 BYTE) NOT NULL,
  mig_origin_id VARCHAR2(200 BYTE) NOT NULL,
  title VARCHAR2(40 BYTE),
  first_name VARCHAR2(200 BYTE),
  last_name VARCHAR2(200 BYTE) NOT NULL,
  display_name VARCHAR2(400 BYTE),
  email VARCHAR2(320 BYTE),
  profession VARCHAR2(200 BYTE),
  registration_numbers VARCHAR2(1000 BYTE),
  acc_provider_number VARCHAR2(20 BYTE),
  medicare_provider_number VARCHAR2(20 BYTE),
  is_active NUMBER(1) NOT NULL CHECK (is_active IN (0, 1)),
  CONSTRAINT gpm_practitioner_pk PRIMARY KEY (mig_key)
);

CREATE TABLE gpm_organisation (
  mig_key VARCHAR2(200 BYTE) NOT NULL,
  mig_source_system VARCHAR2(40 BYTE) NOT NULL,
  mig_source_id VARCHAR2(200 BYTE) NOT NULL,
  mig_origin_id VARCHAR2(200 BYTE) NOT NULL,
  organisation_name VARCHAR2(400 BYTE) NOT NULL,
  organisation_type VARCHAR2(100 BYTE),
  contact_name VARCHAR2(200 BYTE),
  email VARCHAR2(320 BYTE),
  phone VARCHAR2(40 BYTE),
  address_line_1 VARCHAR2(400 BYTE),
  city VARCHAR2(200 BYTE),
  postcode VARCHAR2(20 BYTE),
  notes CLOB,
  CONSTRAINT gpm_organisation_pk PRIMARY KEY (mig_key)
);

CREATE TABLE gpm_referrer (
  mig_key VARCHAR2(200 BYTE) NOT NULL,
  mig_source_system VARCHAR2(40 BYTE) NOT NULL,
  mig_source_id VARCHAR2(200 BYTE) NOT NULL,
  mig_origin_id VARCHAR2(200 BYTE) NOT NULL,
  title VARCHAR2(40 BYTE),
  first_name VARCHAR2(200 BYTE),
  last_name VARCHAR2(200 BYTE) NOT NULL,
  organisation_name VARCHAR2(400 BYTE),
  provider_number VARCHAR2(40 BYTE),
  referral_type VARCHAR2(20 BYTE) NOT NULL,
  email VARCHAR2(320 BYTE),
  phone VARCHAR2(40 BYTE),
  address_line_1 VARCHAR2(400 BYTE),
  city VARCHAR2(200 BYTE),
  postcode VARCHAR2(20 BYTE),
  notes CLOB,
  CONSTRAINT gpm_referrer_pk PRIMARY KEY (mig_key)
);

CREATE TABLE gpm_client (
  mig_key VARCHAR2(200 BYTE) NOT NULL,
  mig_source_system VARCHAR2(40 BYTE) NOT NULL,
  mig_source_id VARCHAR2(200 BYTE) NOT NULL,
  mig_origin_id VARCHAR2(200 BYTE) NOT NULL,
  title VARCHAR2(40 BYTE),
  first_name VARCHAR2(200 BYTE),
  middle_name VARCHAR2(200 BYTE),
  last_name VARCHAR2(200 BYTE) NOT NULL,
  preferred_name VARCHAR2(200 BYTE),
  date_of_birth DATE,
  sex VARCHAR2(20 BYTE),
  gender_identity VARCHAR2(100 BYTE),
  pronouns VARCHAR2(50 BYTE),
  email VARCHAR2(320 BYTE),
  mobile_phone VARCHAR2(40 BYTE),
  home_phone VARCHAR2(40 BYTE),
  work_phone VARCHAR2(40 BYTE),
  address_line_1 VARCHAR2(400 BYTE),
  address_line_2 VARCHAR2(400 BYTE),
  address_line_3 VARCHAR2(400 BYTE),
  city VARCHAR2(200 BYTE),
  region VARCHAR2(100 BYTE),
  postcode VARCHAR2(20 BYTE),
  country_code VARCHAR2(2 BYTE),
  nhi VARCHAR2(7 BYTE),
  medicare_number VARCHAR2(10 BYTE),
  medicare_irn VARCHAR2(1 BYTE),
  dva_number VARCHAR2(9 BYTE),
  nhs_number VARCHAR2(10 BYTE),
  emergency_contact VARCHAR2(4000 BYTE),
  occupation VARCHAR2(200 BYTE),
  notes CLOB,
  referrer_key VARCHAR2(200 BYTE),
  referral_source VARCHAR2(200 BYTE),
  concession_type VARCHAR2(100 BYTE),
  email_consent NUMBER(1) CHECK (email_consent IN (0, 1)),
  sms_consent NUMBER(1) CHECK (sms_consent IN (0, 1)),
  is_archived NUMBER(1) NOT NULL CHECK (is_archived IN (0, 1)),
  created_at TIMESTAMP WITH TIME ZONE,
  CONSTRAINT gpm_client_pk PRIMARY KEY (mig_key),
  CONSTRAINT gpm_client_1_fk FOREIGN KEY (referrer_key) REFERENCES gpm_referrer (mig_key)
);

CREATE TABLE gpm_condition (
  mig_key VARCHAR2(200 BYTE) NOT NULL,
  mig_source_system VARCHAR2(40 BYTE) NOT NULL,
  mig_source_id VARCHAR2(200 BYTE) NOT NULL,
  mig_origin_id VARCHAR2(200 BYTE) NOT NULL,
  client_key VARCHAR2(200 BYTE) NOT NULL,
  condition_name VARCHAR2(400 BYTE),
  claim_type VARCHAR2(10 BYTE) NOT NULL,
  acc45_number VARCHAR2(11 BYTE),
  claim_reference VARCHAR2(100 BYTE),
  injury_date DATE,
  referrer_key VARCHAR2(200 BYTE),
  referral_issue_date DATE,
  referral_expiry_date DATE,
  max_sessions NUMBER(5),
  is_closed NUMBER(1) NOT NULL CHECK (is_closed IN (0, 1)),
  notes CLOB,
  CONSTRAINT gpm_condition_pk PRIMARY KEY (mig_key),
  CONSTRAINT gpm_condition_1_fk FOREIGN KEY (client_key) REFERENCES gpm_client (mig_key),
  CONSTRAINT gpm_condition_2_fk FOREIGN KEY (referrer_key) REFERENCES gpm_referrer (mig_key)
);

CREATE TABLE gpm_membership (
  mig_key VARCHAR2(200 BYTE) NOT NULL,
  mig_source_system VARCHAR2(40 BYTE) NOT NULL,
  mig_source_id VARCHAR2(200 BYTE) NOT NULL,
  mig_origin_id VARCHAR2(200 BYTE) NOT NULL,
  client_key VARCHAR2(200 BYTE) NOT NULL,
  pass_name VARCHAR2(200 BYTE) NOT NULL,
  sessions_total NUMBER(5),
  sessions_used NUMBER(5),
  valid_from DATE NOT NULL,
  valid_until DATE,
  price_amount NUMBER(12,2),
  currency VARCHAR2(3 BYTE),
  is_cancelled NUMBER(1) NOT NULL CHECK (is_cancelled IN (0, 1)),
  CONSTRAINT gpm_membership_pk PRIMARY KEY (mig_key),
  CONSTRAINT gpm_membership_1_fk FOREIGN KEY (client_key) REFERENCES gpm_client (mig_key)
);

CREATE TABLE gpm_appointment (
  mig_key VARCHAR2(200 BYTE) NOT NULL,
  mig_source_system VARCHAR2(40 BYTE) NOT NULL,
  mig_source_id VARCHAR2(200 BYTE) NOT NULL,
  mig_origin_id VARCHAR2(200 BYTE) NOT NULL,
  client_key VARCHAR2(200 BYTE) NOT NULL,
  practitioner_key VARCHAR2(200 BYTE) NOT NULL,
  site_key VARCHAR2(200 BYTE) NOT NULL,
  condition_key VARCHAR2(200 BYTE),
  appointment_type VARCHAR2(200 BYTE),
  starts_at TIMESTAMP WITH TIME ZONE NOT NULL,
  ends_at TIMESTAMP WITH TIME ZONE NOT NULL,
  starts_local TIMESTAMP(0) NOT NULL,
  ends_local TIMESTAMP(0) NOT NULL,
  time_zone VARCHAR2(64 BYTE) NOT NULL,
  status VARCHAR2(20 BYTE) NOT NULL,
  cancellation_reason VARCHAR2(400 BYTE),
  cancelled_at TIMESTAMP WITH TIME ZONE,
  is_class NUMBER(1) NOT NULL CHECK (is_class IN (0, 1)),
  class_key VARCHAR2(200 BYTE),
  membership_key VARCHAR2(200 BYTE),
  notes CLOB,
  created_at TIMESTAMP WITH TIME ZONE,
  CONSTRAINT gpm_appointment_pk PRIMARY KEY (mig_key),
  CONSTRAINT gpm_appointment_1_fk FOREIGN KEY (client_key) REFERENCES gpm_client (mig_key),
  CONSTRAINT gpm_appointment_2_fk FOREIGN KEY (practitioner_key) REFERENCES gpm_practitioner (mig_key),
  CONSTRAINT gpm_appointment_3_fk FOREIGN KEY (site_key) REFERENCES gpm_site (mig_key),
  CONSTRAINT gpm_appointment_4_fk FOREIGN KEY (condition_key) REFERENCES gpm_condition (mig_key),
  CONSTRAINT gpm_appointment_5_fk FOREIGN KEY (membership_key) REFERENCES gpm_membership (mig_key)
);

CREATE TABLE gpm_clinical_note (
  mig_key VARCHAR2(200 BYTE) NOT NULL,
  mig_source_system VARCHAR2(40 BYTE) NOT NULL,
  mig_source_id VARCHAR2(200 BYTE) NOT NULL,
  mig_origin_id VARCHAR2(200 BYTE) NOT NULL,
  client_key VARCHAR2(200 BYTE) NOT NULL,
  practitioner_key VARCHAR2(200 BYTE),
  appointment_key VARCHAR2(200 BYTE),
  note_type VARCHAR2(100 BYTE) NOT NULL,
  title VARCHAR2(400 BYTE),
  body CLOB,
  body_original CLOB,
  author_name VARCHAR2(200 BYTE),
  is_draft NUMBER(1) NOT NULL CHECK (is_draft IN (0, 1)),
  created_at TIMESTAMP WITH TIME ZONE,
  finalised_at TIMESTAMP WITH TIME ZONE,
  CONSTRAINT gpm_clinical_note_pk PRIMARY KEY (mig_key),
  CONSTRAINT gpm_clinical_note_1_fk FOREIGN KEY (client_key) REFERENCES gpm_client (mig_key),
  CONSTRAINT gpm_clinical_note_2_fk FOREIGN KEY (practitioner_key) REFERENCES gpm_practitioner (mig_key),
  CONSTRAINT gpm_clinical_note_3_fk FOREIGN KEY (appointment_key) REFERENCES gpm_appointment (mig_key)
);

CREATE TABLE gpm_form_entry (
  mig_key VARCHAR2(200 BYTE) NOT NULL,
  mig_source_system VARCHAR2(40 BYTE) NOT NULL,
  mig_source_id VARCHAR2(200 BYTE) NOT NULL,
  mig_origin_id VARCHAR2(200 BYTE) NOT NULL,
  client_key VARCHAR2(200 BYTE) NOT NULL,
  practitioner_key VARCHAR2(200 BYTE),
  appointment_key VARCHAR2(200 BYTE),
  form_name VARCHAR2(200 BYTE) NOT NULL,
  answers CLOB,
  completed_at TIMESTAMP WITH TIME ZONE NOT NULL,
  CONSTRAINT gpm_form_entry_pk PRIMARY KEY (mig_key),
  CONSTRAINT gpm_form_entry_1_fk FOREIGN KEY (client_key) REFERENCES gpm_client (mig_key),
  CONSTRAINT gpm_form_entry_2_fk FOREIGN KEY (practitioner_key) REFERENCES gpm_practitioner (mig_key),
  CONSTRAINT gpm_form_entry_3_fk FOREIGN KEY (appointment_key) REFERENCES gpm_appointment (mig_key)
);

CREATE TABLE gpm_document (
  mig_key VARCHAR2(200 BYTE) NOT NULL,
  mig_source_system VARCHAR2(40 BYTE) NOT NULL,
  mig_source_id VARCHAR2(200 BYTE) NOT NULL,
  mig_origin_id VARCHAR2(200 BYTE) NOT NULL,
  client_key VARCHAR2(200 BYTE) NOT NULL,
  file_name VARCHAR2(255 BYTE) NOT NULL,
  mime_type VARCHAR2(255 BYTE),
  size_bytes NUMBER(12) NOT NULL,
  sha256 VARCHAR2(64 BYTE),
  content BLOB,
  description VARCHAR2(4000 BYTE),
  created_at TIMESTAMP WITH TIME ZONE,
  CONSTRAINT gpm_document_pk PRIMARY KEY (mig_key),
  CONSTRAINT gpm_document_1_fk FOREIGN KEY (client_key) REFERENCES gpm_client (mig_key)
);

CREATE TABLE gpm_communication (
  mig_key VARCHAR2(200 BYTE) NOT NULL,
  mig_source_system VARCHAR2(40 BYTE) NOT NULL,
  mig_source_id VARCHAR2(200 BYTE) NOT NULL,
  mig_origin_id VARCHAR2(200 BYTE) NOT NULL,
  client_key VARCHAR2(200 BYTE) NOT NULL,
  channel VARCHAR2(20 BYTE) NOT NULL,
  direction VARCHAR2(10 BYTE) NOT NULL,
  category VARCHAR2(100 BYTE),
  sent_at TIMESTAMP WITH TIME ZONE NOT NULL,
  from_address VARCHAR2(320 BYTE),
  to_address VARCHAR2(320 BYTE),
  subject VARCHAR2(1000 BYTE),
  body CLOB,
  CONSTRAINT gpm_communication_pk PRIMARY KEY (mig_key),
  CONSTRAINT gpm_communication_1_fk FOREIGN KEY (client_key) REFERENCES gpm_client (mig_key)
);

CREATE TABLE gpm_invoice (
  mig_key VARCHAR2(200 BYTE) NOT NULL,
  mig_source_system VARCHAR2(40 BYTE) NOT NULL,
  mig_source_id VARCHAR2(200 BYTE) NOT NULL,
  mig_origin_id VARCHAR2(200 BYTE) NOT NULL,
  client_key VARCHAR2(200 BYTE) NOT NULL,
  practitioner_key VARCHAR2(200 BYTE),
  site_key VARCHAR2(200 BYTE),
  appointment_key VARCHAR2(200 BYTE),
  invoice_number VARCHAR2(40 BYTE) NOT NULL,
  issue_date DATE NOT NULL,
  status VARCHAR2(20 BYTE) NOT NULL,
  currency VARCHAR2(3 BYTE) NOT NULL,
  payer_name VARCHAR2(400 BYTE),
  net_amount NUMBER(12,2),
  tax_amount NUMBER(12,2),
  discount_amount NUMBER(12,2),
  total_amount NUMBER(12,2) NOT NULL,
  external_ref VARCHAR2(100 BYTE),
  notes CLOB,
  CONSTRAINT gpm_invoice_pk PRIMARY KEY (mig_key),
  CONSTRAINT gpm_invoice_1_fk FOREIGN KEY (client_key) REFERENCES gpm_client (mig_key),
  CONSTRAINT gpm_invoice_2_fk FOREIGN KEY (practitioner_key) REFERENCES gpm_practitioner (mig_key),
  CONSTRAINT gpm_invoice_3_fk FOREIGN KEY (site_key) REFERENCES gpm_site (mig_key),
  CONSTRAINT gpm_invoice_4_fk FOREIGN KEY (appointment_key) REFERENCES gpm_appointment (mig_key)
);

CREATE TABLE gpm_invoice_line (
  mig_key VARCHAR2(200 BYTE) NOT NULL,
  mig_source_system VARCHAR2(40 BYTE) NOT NULL,
  mig_source_id VARCHAR2(200 BYTE) NOT NULL,
  mig_origin_id VARCHAR2(200 BYTE) NOT NULL,
  invoice_key VARCHAR2(200 BYTE) NOT NULL,
  description VARCHAR2(1000 BYTE),
  item_code VARCHAR2(50 BYTE),
  quantity NUMBER(12,3) NOT NULL,
  unit_price NUMBER(14,4),
  discount_amount NUMBER(12,2),
  tax_name VARCHAR2(50 BYTE),
  tax_rate NUMBER(7,4),
  tax_amount NUMBER(12,2),
  net_amount NUMBER(14,4),
  total_amount NUMBER(12,2) NOT NULL,
  currency VARCHAR2(3 BYTE) NOT NULL,
  CONSTRAINT gpm_invoice_line_pk PRIMARY KEY (mig_key),
  CONSTRAINT gpm_invoice_line_1_fk FOREIGN KEY (invoice_key) REFERENCES gpm_invoice (mig_key)
);

CREATE TABLE gpm_product_sale (
  mig_key VARCHAR2(200 BYTE) NOT NULL,
  mig_source_system VARCHAR2(40 BYTE) NOT NULL,
  mig_source_id VARCHAR2(200 BYTE) NOT NULL,
  mig_origin_id VARCHAR2(200 BYTE) NOT NULL,
  invoice_key VARCHAR2(200 BYTE) NOT NULL,
  invoice_line_key VARCHAR2(200 BYTE) NOT NULL,
  product_source_id VARCHAR2(200 BYTE) NOT NULL,
  item_code VARCHAR2(50 BYTE),
  description VARCHAR2(1000 BYTE),
  quantity NUMBER(12,3) NOT NULL,
  unit_price NUMBER(14,4),
  total_amount NUMBER(12,2) NOT NULL,
  currency VARCHAR2(3 BYTE) NOT NULL,
  CONSTRAINT gpm_product_sale_pk PRIMARY KEY (mig_key),
  CONSTRAINT gpm_product_sale_1_fk FOREIGN KEY (invoice_key) REFERENCES gpm_invoice (mig_key),
  CONSTRAINT gpm_product_sale_2_fk FOREIGN KEY (invoice_line_key) REFERENCES gpm_invoice_line (mig_key)
);

CREATE TABLE gpm_payment (
  mig_key VARCHAR2(200 BYTE) NOT NULL,
  mig_source_system VARCHAR2(40 BYTE) NOT NULL,
  mig_source_id VARCHAR2(200 BYTE) NOT NULL,
  mig_origin_id VARCHAR2(200 BYTE) NOT NULL,
  invoice_key VARCHAR2(200 BYTE),
  client_key VARCHAR2(200 BYTE) NOT NULL,
  paid_at TIMESTAMP WITH TIME ZONE NOT NULL,
  amount NUMBER(12,2) NOT NULL,
  currency VARCHAR2(3 BYTE) NOT NULL,
  method VARCHAR2(50 BYTE),
  reference VARCHAR2(200 BYTE),
  CONSTRAINT gpm_payment_pk PRIMARY KEY (mig_key),
  CONSTRAINT gpm_payment_1_fk FOREIGN KEY (invoice_key) REFERENCES gpm_invoice (mig_key),
  CONSTRAINT gpm_payment_2_fk FOREIGN KEY (client_key) REFERENCES gpm_client (mig_key)
);

CREATE TABLE gpm_write_off (
  mig_key VARCHAR2(200 BYTE) NOT NULL,
  mig_source_system VARCHAR2(40 BYTE) NOT NULL,
  mig_source_id VARCHAR2(200 BYTE) NOT NULL,
  mig_origin_id VARCHAR2(200 BYTE) NOT NULL,
  invoice_key VARCHAR2(200 BYTE) NOT NULL,
  client_key VARCHAR2(200 BYTE) NOT NULL,
  written_off_at TIMESTAMP WITH TIME ZONE NOT NULL,
  amount NUMBER(12,2) NOT NULL,
  currency VARCHAR2(3 BYTE) NOT NULL,
  reason VARCHAR2(400 BYTE),
  CONSTRAINT gpm_write_off_pk PRIMARY KEY (mig_key),
  CONSTRAINT gpm_write_off_1_fk FOREIGN KEY (invoice_key) REFERENCES gpm_invoice (mig_key),
  CONSTRAINT gpm_write_off_2_fk FOREIGN KEY (client_key) REFERENCES gpm_client (mig_key)
);

CREATE TABLE gpm_custom_field (
  mig_key VARCHAR2(200 BYTE) NOT NULL,
  mig_source_system VARCHAR2(40 BYTE) NOT NULL,
  mig_source_id VARCHAR2(200 BYTE) NOT NULL,
  mig_origin_id VARCHAR2(200 BYTE) NOT NULL,
  applies_to VARCHAR2(40 BYTE) NOT NULL,
  section VARCHAR2(200 BYTE),
  field_name VARCHAR2(200 BYTE) NOT NULL,
  field_type VARCHAR2(40 BYTE) NOT NULL,
  options VARCHAR2(4000 BYTE),
  position NUMBER(5) NOT NULL,
  CONSTRAINT gpm_custom_field_pk PRIMARY KEY (mig_key)
);

CREATE TABLE gpm_custom_value (
  mig_key VARCHAR2(200 BYTE) NOT NULL,
  mig_source_system VARCHAR2(40 BYTE) NOT NULL,
  mig_source_id VARCHAR2(200 BYTE) NOT NULL,
  mig_origin_id VARCHAR2(200 BYTE) NOT NULL,
  field_key VARCHAR2(200 BYTE) NOT NULL,
  client_key VARCHAR2(200 BYTE) NOT NULL,
  value_text VARCHAR2(4000 BYTE),
  CONSTRAINT gpm_custom_value_pk PRIMARY KEY (mig_key),
  CONSTRAINT gpm_custom_value_1_fk FOREIGN KEY (field_key) REFERENCES gpm_custom_field (mig_key),
  CONSTRAINT gpm_custom_value_2_fk FOREIGN KEY (client_key) REFERENCES gpm_client (mig_key)
);

