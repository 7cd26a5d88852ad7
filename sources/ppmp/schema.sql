-- PPMP (AU): the PMPDATA database's tables as this migration ASSUMES them. PPMP runs on Microsoft SQL
-- Server with a database named PMPDATA (ppmp.com.au/central/central.html, research/sources-round2.md
-- §2.11); its table and column names are NOT public. These statements are our assumption, written by
-- synthetic/ppmp.py; the first real delivery's own definitions (INFORMATION_SCHEMA export or script) are
-- compared with them, and a differing type refuses the file naming the column until the spec is confirmed
-- through the mapping-proposal flow. Collation ASSUMED Latin1_General_CI_AS (varchar text in cp1252).

CREATE TABLE [dbo].[Locations](
	[LocationID] [int] NOT NULL,
	[LocationName] [varchar](100) COLLATE Latin1_General_CI_AS NULL,
	[Phone] [varchar](30) COLLATE Latin1_General_CI_AS NULL,
	[Inactive] [bit] NOT NULL
)
GO
CREATE TABLE [dbo].[Practitioners](
	[PractitionerID] [int] NOT NULL,
	[FirstName] [varchar](50) COLLATE Latin1_General_CI_AS NULL,
	[Surname] [varchar](50) COLLATE Latin1_General_CI_AS NULL,
	[Email] [varchar](100) COLLATE Latin1_General_CI_AS NULL,
	[ProviderNo] [varchar](20) COLLATE Latin1_General_CI_AS NULL,
	[Active] [bit] NOT NULL
)
GO
CREATE TABLE [dbo].[Patients](
	[PatientID] [int] NOT NULL,
	[Title] [varchar](10) COLLATE Latin1_General_CI_AS NULL,
	[FirstName] [varchar](50) COLLATE Latin1_General_CI_AS NULL,
	[Surname] [varchar](50) COLLATE Latin1_General_CI_AS NULL,
	[DOB] [date] NULL,
	[Sex] [char](1) COLLATE Latin1_General_CI_AS NULL,
	[Email] [varchar](100) COLLATE Latin1_General_CI_AS NULL,
	[Mobile] [varchar](30) COLLATE Latin1_General_CI_AS NULL,
	[Suburb] [varchar](50) COLLATE Latin1_General_CI_AS NULL,
	[MedicareNo] [varchar](12) COLLATE Latin1_General_CI_AS NULL,
	[ReferrerID] [int] NULL,
	[Archived] [bit] NOT NULL
)
GO
CREATE TABLE [dbo].[Referrers](
	[ReferrerID] [int] NOT NULL,
	[Title] [varchar](10) COLLATE Latin1_General_CI_AS NULL,
	[FirstName] [varchar](50) COLLATE Latin1_General_CI_AS NULL,
	[Surname] [varchar](50) COLLATE Latin1_General_CI_AS NULL,
	[Practice] [varchar](100) COLLATE Latin1_General_CI_AS NULL
)
GO
CREATE TABLE [dbo].[Appointments](
	[ApptID] [int] NOT NULL,
	[PatientID] [int] NULL,
	[PractitionerID] [int] NULL,
	[LocationID] [int] NULL,
	[StartTime] [datetime] NULL,
	[EndTime] [datetime] NULL,
	[ApptType] [varchar](50) COLLATE Latin1_General_CI_AS NULL,
	[Status] [varchar](20) COLLATE Latin1_General_CI_AS NULL
)
GO
CREATE TABLE [dbo].[ClinicalNotes](
	[NoteID] [int] NOT NULL,
	[PatientID] [int] NULL,
	[PractitionerID] [int] NULL,
	[ApptID] [int] NULL,
	[NoteDate] [datetime] NULL,
	[NoteText] [varchar](max) COLLATE Latin1_General_CI_AS NULL
)
GO
CREATE TABLE [dbo].[Invoices](
	[InvoiceID] [int] NOT NULL,
	[PatientID] [int] NULL,
	[InvoiceNo] [varchar](20) COLLATE Latin1_General_CI_AS NULL,
	[InvoiceDate] [date] NULL,
	[Status] [varchar](20) COLLATE Latin1_General_CI_AS NULL,
	[GST] [money] NULL,
	[Total] [money] NULL
)
GO
CREATE TABLE [dbo].[InvoiceItems](
	[ItemID] [int] NOT NULL,
	[InvoiceID] [int] NULL,
	[Description] [varchar](100) COLLATE Latin1_General_CI_AS NULL,
	[Qty] [decimal](9, 2) NULL,
	[UnitPrice] [money] NULL,
	[Amount] [money] NULL
)
GO
CREATE TABLE [dbo].[Payments](
	[PaymentID] [int] NOT NULL,
	[InvoiceID] [int] NULL,
	[PatientID] [int] NULL,
	[PaidOn] [datetime] NULL,
	[Amount] [money] NULL,
	[Method] [varchar](20) COLLATE Latin1_General_CI_AS NULL
)
GO
CREATE TABLE [dbo].[Letters](
	[LetterID] [int] NOT NULL,
	[PatientID] [int] NULL,
	[FileName] [varchar](260) COLLATE Latin1_General_CI_AS NULL,
	[Description] [varchar](100) COLLATE Latin1_General_CI_AS NULL
)
GO
