"""Value vocabularies of the synthetic identity graph; they are the filter values clients send."""

from __future__ import annotations

# (industry, industry group, NAICS, SIC, weight): lower-case, as in the Orbit filter examples.
INDUSTRIES: list[tuple[str, str, str, str, float]] = [
    ("software development", "technology, information and media", "541511", "7372", 9.0),
    ("it services and it consulting", "technology, information and media", "541512", "7373", 7.0),
    ("computer and network security", "technology, information and media", "541519", "7373", 2.0),
    ("internet publishing", "technology, information and media", "519130", "2741", 1.5),
    ("telecommunications", "technology, information and media", "517111", "4813", 1.5),
    ("data infrastructure and analytics", "technology, information and media", "518210", "7374", 2.0),
    ("advertising services", "professional services", "541810", "7311", 3.0),
    ("marketing services", "professional services", "541613", "8742", 3.5),
    ("business consulting and services", "professional services", "541611", "8742", 5.0),
    ("accounting", "professional services", "541211", "8721", 2.5),
    ("law practice", "professional services", "541110", "8111", 2.5),
    ("staffing and recruiting", "administrative and support services", "561311", "7361", 3.0),
    ("human resources services", "administrative and support services", "541612", "8742", 1.5),
    ("financial services", "financial services", "523999", "6211", 4.0),
    ("banking", "financial services", "522110", "6021", 2.5),
    ("insurance", "financial services", "524126", "6331", 3.0),
    ("investment management", "financial services", "523920", "6282", 1.5),
    ("venture capital and private equity", "financial services", "523910", "6799", 0.8),
    ("real estate", "real estate and equipment rental services", "531210", "6531", 3.5),
    ("hospitals and health care", "hospitals and health care", "622110", "8062", 6.0),
    ("medical practices", "hospitals and health care", "621111", "8011", 2.5),
    ("pharmaceutical manufacturing", "manufacturing", "325412", "2834", 1.5),
    ("biotechnology research", "professional services", "541714", "8731", 1.2),
    ("medical equipment manufacturing", "manufacturing", "339112", "3841", 1.0),
    ("higher education", "education", "611310", "8221", 3.0),
    ("primary and secondary education", "education", "611110", "8211", 2.5),
    ("e-learning providers", "education", "611710", "8299", 1.0),
    ("retail", "retail", "455219", "5399", 5.0),
    ("retail apparel and fashion", "retail", "458110", "5651", 1.5),
    ("online and mail order retail", "retail", "454110", "5961", 1.5),
    ("wholesale", "wholesale", "423990", "5099", 2.5),
    ("food and beverage services", "accommodation services", "722511", "5812", 4.0),
    ("restaurants", "accommodation services", "722513", "5812", 2.0),
    ("hospitality", "accommodation services", "721110", "7011", 2.0),
    ("travel arrangements", "administrative and support services", "561510", "4724", 1.0),
    ("construction", "construction", "236220", "1542", 4.5),
    ("civil engineering", "construction", "237310", "1611", 1.0),
    ("architecture and planning", "professional services", "541310", "8712", 1.2),
    ("industrial machinery manufacturing", "manufacturing", "333249", "3559", 2.0),
    ("motor vehicle manufacturing", "manufacturing", "336110", "3711", 1.2),
    ("food and beverage manufacturing", "manufacturing", "311999", "2099", 1.5),
    ("chemical manufacturing", "manufacturing", "325199", "2869", 1.0),
    ("truck transportation", "transportation, logistics, supply chain and storage", "484121", "4213", 2.0),
    ("transportation, logistics, supply chain and storage", "transportation, logistics, supply chain and storage", "488510", "4731", 2.0),
    ("oil and gas", "oil, gas, and mining", "211120", "1311", 1.0),
    ("renewable energy power generation", "utilities", "221114", "4911", 0.8),
    ("utilities", "utilities", "221122", "4911", 0.8),
    ("government administration", "government administration", "921190", "9199", 2.0),
    ("non-profit organizations", "consumer services", "813410", "8641", 2.5),
    ("entertainment providers", "entertainment providers", "711510", "7929", 1.2),
    ("media production", "technology, information and media", "512110", "7812", 1.0),
    ("book and periodical publishing", "technology, information and media", "513120", "2721", 0.8),
    ("wellness and fitness services", "consumer services", "713940", "7991", 1.2),
    ("personal care services", "consumer services", "812112", "7231", 1.0),
    ("automotive", "retail", "441110", "5511", 1.5),
    ("farming", "farming, ranching, forestry", "111998", "0191", 1.0),
    ("veterinary services", "professional services", "541940", "0742", 0.6),
    ("design services", "professional services", "541430", "7336", 1.0),
    ("events services", "administrative and support services", "561920", "7389", 0.8),
    ("facilities services", "administrative and support services", "561210", "8744", 1.2),
]

SIZE_RANGES: list[str] = [
    "1 to 10", "11 to 25", "26 to 50", "51 to 100", "101 to 250", "251 to 500",
    "501 to 1000", "1001 to 5000", "5001 to 10000", "10000+",
]
# Headcount bounds of each size bracket (the last is open-ended; 60,000 caps the draw).
SIZE_BOUNDS: list[tuple[int, int]] = [
    (1, 10), (11, 25), (26, 50), (51, 100), (101, 250), (251, 500),
    (501, 1000), (1001, 5000), (5001, 10000), (10001, 60000),
]
SIZE_WEIGHTS: list[float] = [30, 18, 13, 11, 10, 6, 4.5, 4.5, 1.5, 1.5]

REVENUE_RANGES: list[str] = [
    "under 1 million", "1 million to 5 million", "5 million to 10 million",
    "10 million to 25 million", "25 million to 50 million", "50 million to 100 million",
    "100 million to 250 million", "250 million to 500 million", "500 million to 1 billion",
    "1 billion and over",
]

SENIORITIES: list[str] = [
    "entry", "senior", "manager", "director", "vp", "c_suite", "owner", "partner", "training",
]
SENIORITY_WEIGHTS: list[float] = [30, 22, 18, 10, 5, 4, 6, 2, 3]

# department -> (noun used in titles, C-level title, abbreviation)
DEPARTMENTS: dict[str, tuple[str, str, str]] = {
    "marketing": ("Marketing", "Chief Marketing Officer", "CMO"),
    "sales": ("Sales", "Chief Revenue Officer", "CRO"),
    "engineering": ("Engineering", "Chief Technology Officer", "CTO"),
    "information technology": ("IT", "Chief Information Officer", "CIO"),
    "finance": ("Finance", "Chief Financial Officer", "CFO"),
    "human resources": ("Human Resources", "Chief People Officer", "CPO"),
    "operations": ("Operations", "Chief Operating Officer", "COO"),
    "legal": ("Legal", "General Counsel", "GC"),
    "customer success": ("Customer Success", "Chief Customer Officer", "CCO"),
    "product": ("Product", "Chief Product Officer", "CPO"),
    "executive": ("Strategy", "Chief Executive Officer", "CEO"),
    "medical": ("Clinical Services", "Chief Medical Officer", "CMO"),
    "education": ("Academic Affairs", "Provost", "Provost"),
    "design": ("Design", "Chief Design Officer", "CDO"),
    "security": ("Security", "Chief Information Security Officer", "CISO"),
    "procurement": ("Procurement", "Chief Procurement Officer", "CPO"),
}
DEPARTMENT_WEIGHTS: list[float] = [12, 14, 13, 9, 8, 6, 10, 3, 5, 4, 3, 5, 4, 2, 2, 2]

# Seniority -> title templates; {d} is the department noun.
TITLE_TEMPLATES: dict[str, list[str]] = {
    "entry": ["{d} Coordinator", "{d} Associate", "{d} Specialist", "Junior {d} Analyst"],
    "senior": ["Senior {d} Specialist", "Senior {d} Analyst", "Senior {d} Associate", "{d} Lead"],
    "manager": ["{d} Manager", "Senior {d} Manager", "{d} Team Lead"],
    "director": ["Director of {d}", "Senior Director of {d}", "{d} Director"],
    "vp": ["VP of {d}", "Vice President of {d}", "SVP of {d}"],
    "owner": ["Owner", "Founder", "Co-Founder", "Principal"],
    "partner": ["Partner", "Managing Partner", "Senior Partner"],
    "training": ["{d} Intern", "{d} Trainee", "{d} Apprentice"],
}

AGE_RANGES: list[str] = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
AGE_WEIGHTS: list[float] = [10, 26, 25, 20, 13, 6]

GENDERS: list[str] = ["male", "female"]

# (city, state code, zip prefix, weight): large US metros, weighted by population.
US_CITIES: list[tuple[str, str, str, float]] = [
    ("new york", "NY", "100", 8.8), ("los angeles", "CA", "900", 3.9), ("chicago", "IL", "606", 2.7),
    ("houston", "TX", "770", 2.3), ("phoenix", "AZ", "850", 1.6), ("philadelphia", "PA", "191", 1.6),
    ("san antonio", "TX", "782", 1.4), ("san diego", "CA", "921", 1.4), ("dallas", "TX", "752", 1.3),
    ("austin", "TX", "787", 1.0), ("san jose", "CA", "951", 1.0), ("jacksonville", "FL", "322", 0.9),
    ("columbus", "OH", "432", 0.9), ("charlotte", "NC", "282", 0.9), ("indianapolis", "IN", "462", 0.9),
    ("san francisco", "CA", "941", 0.9), ("seattle", "WA", "981", 0.8), ("denver", "CO", "802", 0.7),
    ("washington", "DC", "200", 0.7), ("nashville", "TN", "372", 0.7), ("boston", "MA", "021", 0.7),
    ("portland", "OR", "972", 0.6), ("las vegas", "NV", "891", 0.6), ("detroit", "MI", "482", 0.6),
    ("atlanta", "GA", "303", 0.5), ("miami", "FL", "331", 0.5), ("minneapolis", "MN", "554", 0.4),
    ("raleigh", "NC", "276", 0.5), ("salt lake city", "UT", "841", 0.2), ("kansas city", "MO", "641", 0.5),
    ("omaha", "NE", "681", 0.5), ("tampa", "FL", "336", 0.4), ("new orleans", "LA", "701", 0.4),
    ("cleveland", "OH", "441", 0.4), ("pittsburgh", "PA", "152", 0.3), ("st. louis", "MO", "631", 0.3),
    ("cincinnati", "OH", "452", 0.3), ("milwaukee", "WI", "532", 0.6), ("baltimore", "MD", "212", 0.6),
    ("albuquerque", "NM", "871", 0.6), ("tucson", "AZ", "857", 0.5), ("sacramento", "CA", "958", 0.5),
    ("oklahoma city", "OK", "731", 0.7), ("louisville", "KY", "402", 0.6), ("memphis", "TN", "381", 0.6),
    ("richmond", "VA", "232", 0.2), ("birmingham", "AL", "352", 0.2), ("hartford", "CT", "061", 0.1),
    ("providence", "RI", "029", 0.2), ("boise", "ID", "837", 0.2), ("des moines", "IA", "503", 0.2),
    ("little rock", "AR", "722", 0.2), ("charleston", "SC", "294", 0.2), ("anchorage", "AK", "995", 0.3),
    ("honolulu", "HI", "968", 0.3), ("wilmington", "DE", "198", 0.1), ("portland", "ME", "041", 0.1),
    ("manchester", "NH", "031", 0.1), ("burlington", "VT", "054", 0.05), ("fargo", "ND", "581", 0.1),
    ("sioux falls", "SD", "571", 0.2), ("billings", "MT", "591", 0.1), ("cheyenne", "WY", "820", 0.06),
    ("jackson", "MS", "392", 0.15), ("charleston", "WV", "253", 0.05), ("madison", "WI", "537", 0.27),
]

# Non-US share of companies and people, with their countries.
OTHER_COUNTRIES: list[tuple[str, float]] = [
    ("canada", 4.0), ("united kingdom", 4.0), ("germany", 2.0), ("australia", 1.5),
    ("india", 2.5), ("france", 1.2), ("netherlands", 0.8), ("ireland", 0.5),
]

COMPANY_SUFFIXES: list[str] = [
    "Inc", "LLC", "Group", "Labs", "Systems", "Solutions", "Partners", "Holdings", "Technologies",
    "Health", "Consulting", "Co", "Industries", "Analytics", "Logistics", "Capital", "Media",
    "Works", "Networks", "Foods", "Energy", "Studio", "Software", "Services",
]
EMAIL_PROVIDERS: list[tuple[str, float]] = [
    ("gmail.com", 55), ("yahoo.com", 14), ("outlook.com", 9), ("hotmail.com", 8),
    ("icloud.com", 8), ("aol.com", 3), ("proton.me", 1.5), ("comcast.net", 1.5),
]
TLDS: list[tuple[str, float]] = [("com", 80), ("io", 6), ("co", 5), ("net", 5), ("ai", 2), ("org", 2)]
