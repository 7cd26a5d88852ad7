-- Intrahealth Profile: the publicly known tables and columns this migration reads, as CREATE TABLE
-- statements. Names and types are those of the Profile 7 EF Core scaffold in DigitalOxCanada/HUAPI
-- (Profile7ClassLibrary/Context/ProfileDBContext.cs and Entities/*.cs @0b3e80d: C# long → bigint,
-- short → smallint, IsUnicode(false) → varchar with its HasMaxLength, HasColumnType("datetime")).
-- The collation is ASSUMED (Latin1_General_CI_AS, SQL Server's default for NZ/AU English installs).
-- A delivery's own definitions take precedence; a column whose type differs refuses the file
-- (sources/sqlserver/extract.py) until this script is confirmed for that Profile version.

CREATE TABLE [dbo].[PATIENT](
	[PTNT_ID] [bigint] NOT NULL,
	[PTNT_PATIENTCODE] [varchar](16) COLLATE Latin1_General_CI_AS NULL,
	[PTNT_TITLE] [varchar](21) COLLATE Latin1_General_CI_AS NULL,
	[PTNT_FIRSTNAME] [varchar](41) COLLATE Latin1_General_CI_AS NULL,
	[PTNT_SURNAME] [varchar](41) COLLATE Latin1_General_CI_AS NULL,
	[PTNT_PREFNAME] [varchar](21) COLLATE Latin1_General_CI_AS NULL,
	[PTNT_SEX] [varchar](1) COLLATE Latin1_General_CI_AS NULL,
	[PTNT_DOB] [datetime] NULL,
	[PTNT_DOD] [datetime] NULL,
	[PTNT_NATIONALNUM] [varchar](15) COLLATE Latin1_General_CI_AS NULL,
	[PTNT_STREET1] [varchar](128) COLLATE Latin1_General_CI_AS NULL,
	[PTNT_STREETCODE] [varchar](10) COLLATE Latin1_General_CI_AS NULL,
	[PTNT_HOMEPHONE] [varchar](50) COLLATE Latin1_General_CI_AS NULL,
	[PTNT_CELLPHONE] [varchar](21) COLLATE Latin1_General_CI_AS NULL,
	[PTNT_EMAILADDR] [varchar](63) COLLATE Latin1_General_CI_AS NULL,
	[PTNT_STATUS] [bigint] NULL,
	[PPPU_ID_USUALDR] [bigint] NULL,
	[PTNT_DELETEDID] [bigint] NOT NULL,
	[PTNT_DELETED_DATE] [datetime] NULL,
	[PTNT_MASTER_PTNT_ID] [bigint] NULL,
	[CREATED] [datetime] NULL,
	[DT_MODIFIED] [datetime] NULL,
 CONSTRAINT [PK_PATIENT] PRIMARY KEY CLUSTERED ([PTNT_ID] ASC)
)
GO
CREATE TABLE [dbo].[APPOINTMENT](
	[APNT_ID] [bigint] NOT NULL,
	[PTNT_ID] [bigint] NULL,
	[PPPU_ID_PROVIDER] [bigint] NULL,
	[SHCD_ID_LOCATION] [bigint] NULL,
	[APNT_BOOKTIME] [datetime] NULL,
	[APNT_ENDTIME] [datetime] NULL,
	[APNT_DURATION] [bigint] NOT NULL,
	[APNT_ARRIVALTIME] [datetime] NULL,
	[APNT_STATUS] [bigint] NULL,
	[APNT_ISCANCELLED] [smallint] NOT NULL,
	[APNT_ISDNA] [smallint] NOT NULL,
	[APNT_ISDELETED] [smallint] NOT NULL,
	[APNT_CASE_ID] [bigint] NULL,
	[APNT_REASONDESCRIPTION] [varchar](255) COLLATE Latin1_General_CI_AS NULL,
	[APNT_COMMENT] [varchar](1024) COLLATE Latin1_General_CI_AS NULL,
	[DT_MODIFIED] [datetime] NULL,
 CONSTRAINT [PK_APPOINTMENT] PRIMARY KEY CLUSTERED ([APNT_ID] ASC)
)
GO
CREATE TABLE [dbo].[PPPU](
	[PPPU_ID] [bigint] NOT NULL,
	[PPPU_CODE] [varchar](15) COLLATE Latin1_General_CI_AS NULL,
	[PPPU_TITLE] [varchar](11) COLLATE Latin1_General_CI_AS NULL,
	[PPPU_FULLNAME] [varchar](127) COLLATE Latin1_General_CI_AS NULL,
	[PPPU_LASTNAME] [varchar](63) COLLATE Latin1_General_CI_AS NULL,
	[PPPU_EMAIL] [varchar](63) COLLATE Latin1_General_CI_AS NULL,
	[PPPU_PHONE1] [varchar](21) COLLATE Latin1_General_CI_AS NULL,
	[PPPU_ISEXTERNAL] [smallint] NOT NULL,
	[PPPU_HPI_I] [varchar](16) COLLATE Latin1_General_CI_AS NULL,
	[PPPU_STATUS] [bigint] NULL,
	[PPPU_DELETEDID] [bigint] NOT NULL,
	[DT_MODIFIED] [datetime] NULL,
 CONSTRAINT [PK_PPPU] PRIMARY KEY CLUSTERED ([PPPU_ID] ASC)
)
GO
CREATE TABLE [dbo].[BCASE](
	[OID] [bigint] NOT NULL,
	[PATIENT_ID] [bigint] NOT NULL,
	[CASE_TITLE] [varchar](255) COLLATE Latin1_General_CI_AS NULL,
	[STATUS] [bigint] NOT NULL,
	[OPENED_ON] [datetime] NULL,
	[CLOSED_ON] [datetime] NULL,
	[LEAD_PROV_ID] [bigint] NULL,
	[REASON] [varchar](1024) COLLATE Latin1_General_CI_AS NULL,
	[DELETEDID] [bigint] NOT NULL,
	[DT_MODIFIED] [datetime] NULL,
 CONSTRAINT [PK_BCASE] PRIMARY KEY CLUSTERED ([OID] ASC)
)
GO
CREATE TABLE [dbo].[PATIENTPROBLEM](
	[PAPR_ID] [bigint] NOT NULL,
	[PTNT_ID] [bigint] NOT NULL,
	[PAPR_TYPEID] [bigint] NULL,
	[PAPR_DATE] [datetime] NULL,
	[PAPR_DXDESCRIPTION] [varchar](256) COLLATE Latin1_General_CI_AS NULL,
	[PAPR_DELETEDID] [bigint] NULL,
	[CASE_ID] [bigint] NULL,
	[DT_MODIFIED] [datetime] NULL,
 CONSTRAINT [PK_PATIENTPROBLEM] PRIMARY KEY CLUSTERED ([PAPR_ID] ASC)
)
GO
CREATE TABLE [dbo].[PATIENT_ALTERNAT_NAME](
	[OID] [bigint] NOT NULL,
	[PTAN_PTNT_ID] [bigint] NULL,
	[PTAN_NAME] [varchar](63) COLLATE Latin1_General_CI_AS NULL,
	[DELETED] [datetime] NULL,
	[DT_MODIFIED] [datetime] NULL,
 CONSTRAINT [PK_PATIENT_ALTERNAT_NAME] PRIMARY KEY CLUSTERED ([OID] ASC)
)
GO
CREATE TABLE [dbo].[ADDRESS](
	[OID] [bigint] NOT NULL,
	[PTNT_ID] [bigint] NULL,
	[ADDRESS_TYPE] [bigint] NOT NULL,
	[STREET] [varchar](128) COLLATE Latin1_General_CI_AS NULL,
	[SUBURB] [varchar](128) COLLATE Latin1_General_CI_AS NULL,
	[CITY] [varchar](128) COLLATE Latin1_General_CI_AS NULL,
	[POSTCODE] [varchar](21) COLLATE Latin1_General_CI_AS NULL,
	[DELETEDID] [bigint] NOT NULL,
	[DT_MODIFIED] [datetime] NULL,
 CONSTRAINT [PK_ADDRESS] PRIMARY KEY CLUSTERED ([OID] ASC)
)
GO
CREATE TABLE [dbo].[PATIENT_MERGE_LOG](
	[OID] [bigint] NOT NULL,
	[MASTERID] [bigint] NOT NULL,
	[SUBID] [bigint] NOT NULL,
	[CREATED_ON] [datetime] NULL,
	[DELETEDID] [bigint] NOT NULL,
	[DT_MODIFIED] [datetime] NULL,
 CONSTRAINT [PK_PATIENT_MERGE_LOG] PRIMARY KEY CLUSTERED ([OID] ASC)
)
GO
CREATE TABLE [dbo].[SHORTCODE](
	[SHCD_ID] [bigint] NOT NULL,
	[SHCD_CODE] [varchar](15) COLLATE Latin1_General_CI_AS NULL,
	[SHCD_DESCRIPTION] [varchar](1000) COLLATE Latin1_General_CI_AS NULL,
	[SHCD_TYPE] [bigint] NOT NULL,
	[SHCD_DELETEDID] [bigint] NOT NULL,
 CONSTRAINT [PK_SHORTCODE] PRIMARY KEY CLUSTERED ([SHCD_ID] ASC)
)
GO
