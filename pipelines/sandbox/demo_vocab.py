"""Word lists the demo org's records are assembled from: people, companies, places, job titles.

Everything here is invented for sfsync's demo org. The generator picks from these lists with
seeded random indices, so the same seed always yields the same org.
"""

from __future__ import annotations

from typing import NamedTuple

# fmt: off

FEMALE_FIRST_NAMES = (
    "Ada", "Aisha", "Alejandra", "Amara", "Amelia", "Ana", "Anika", "Beatriz", "Bianca", "Camila",
    "Carmen", "Chen", "Chloe", "Clara", "Dana", "Daniela", "Elena", "Eliza", "Emma", "Esther",
    "Fatima", "Freya", "Gabriela", "Grace", "Hana", "Hannah", "Ines", "Ingrid", "Isabel",
    "Jasmine", "Julia", "Keiko", "Laila", "Lara", "Leah", "Lena", "Lucia", "Maya", "Mei", "Mira",
    "Nadia", "Naomi", "Nina", "Noor", "Olivia", "Paula", "Priya", "Rachel", "Rosa", "Ruth",
    "Sakura", "Sara", "Simone", "Sofia", "Tamara", "Tess", "Valentina", "Vera", "Yara", "Zoe",
)

MALE_FIRST_NAMES = (
    "Aaron", "Adrian", "Ahmed", "Alan", "Andre", "Arjun", "Ben", "Bruno", "Carlos", "Chris",
    "Daniel", "David", "Diego", "Elias", "Emil", "Ethan", "Felix", "Gabriel", "Hassan", "Hiro",
    "Ian", "Isaac", "Jack", "Jamal", "Jonas", "Jorge", "Julian", "Kai", "Kenji", "Leo", "Liam",
    "Luca", "Lucas", "Marco", "Mateo", "Max", "Miguel", "Nathan", "Niko", "Noah", "Omar", "Oscar",
    "Pablo", "Paul", "Rafael", "Ravi", "Sam", "Samuel", "Sebastian", "Simon", "Stefan", "Takeshi",
    "Theo", "Tomas", "Victor", "Wei", "Will", "Yusuf", "Zach", "Arun",
)

LAST_NAMES = (
    "Abbott", "Adeyemi", "Alvarez", "Andersen", "Araujo", "Bauer", "Becker", "Bennett",
    "Bergstrom", "Bianchi", "Brooks", "Byrne", "Carter", "Castillo", "Chandra", "Chang", "Chen",
    "Clarke", "Costa", "Dalton", "Das", "Delgado", "Dubois", "Duarte", "Edwards", "Eriksen",
    "Evans", "Fernandez", "Fischer", "Fitzgerald", "Foster", "Fujita", "Garcia", "Gallagher",
    "Gomez", "Gupta", "Hansen", "Harris", "Hartmann", "Hayes", "Herrera", "Hoffman", "Hughes",
    "Ibrahim", "Ivanova", "Jackson", "Jensen", "Johansson", "Kapoor", "Kato", "Keller", "Kennedy",
    "Khan", "Kim", "Klein", "Kowalski", "Kruger", "Laurent", "Lee", "Lindqvist", "Lopez", "Martin",
    "Martinez", "Meyer", "Mendes", "Moreau", "Morgan", "Murphy", "Nakamura", "Nguyen", "Nielsen",
    "Novak", "Obi", "Okafor", "Olsen", "Ortiz", "Park", "Patel", "Pereira", "Petrov", "Quinn",
    "Ramirez", "Rao", "Reyes", "Richter", "Rivera", "Robinson", "Rossi", "Russo", "Saito",
    "Sanchez", "Santos", "Schmidt", "Schneider", "Shah", "Silva", "Singh", "Sorensen", "Suzuki",
    "Takahashi", "Tanaka", "Thompson", "Torres", "Turner", "Vargas", "Varga", "Vogel", "Wagner",
    "Walsh", "Wang", "Weber", "Williams", "Wong", "Yamamoto", "Yilmaz", "Young", "Zhang", "Zimmer",
)

COMPANY_HEADS = (
    "Alder", "Amber", "Anchor", "Apex", "Arbor", "Ardent", "Aspen", "Atlas", "Aurora", "Azure",
    "Basalt", "Beacon", "Birch", "Bluefin", "Bold", "Bright", "Brook", "Canyon", "Cedar", "Cinder",
    "Clear", "Cobalt", "Compass", "Copper", "Coral", "Crest", "Crimson", "Delta", "Drift",
    "Eastgate", "Echo", "Ember", "Evergreen", "Falcon", "Fern", "Fjord", "Flint", "Forge", "Fox",
    "Gale", "Garnet", "Glacier", "Golden", "Granite", "Harbor", "Hawk", "Helix", "Highland",
    "Horizon", "Indigo", "Iron", "Ivy", "Jade", "Juniper", "Kestrel", "Keystone", "Lake",
    "Lantern", "Larch", "Linden", "Lumen", "Maple", "Marble", "Meadow", "Meridian", "Mesa",
    "Monarch", "Moss", "North", "Oak", "Onyx", "Orbit", "Orchid", "Pacific", "Peak", "Pine",
    "Pioneer", "Polar", "Prairie", "Quarry", "Quartz", "Radiant", "Raven", "Redwood", "Ridge",
    "River", "Rock", "Sable", "Sage", "Sierra", "Silver", "Slate", "Solstice", "Spruce", "Stone",
    "Summit", "Tidal", "Timber", "Vale", "Willow",
)

COMPANY_TAILS = (
    "Analytics", "Apparel", "Bank", "Bio", "Brands", "Capital", "Cloud", "Consulting", "Data",
    "Design", "Devices", "Dynamics", "Education", "Electric", "Energy", "Engineering", "Farms",
    "Finance", "Fleet", "Foods", "Freight", "Games", "Genomics", "Goods", "Health", "Holdings",
    "Hospitality", "Industries", "Insurance", "Labs", "Learning", "Legal", "Logistics", "Machines",
    "Manufacturing", "Marine", "Media", "Medical", "Metals", "Mobility", "Networks", "Nutrition",
    "Outdoors", "Partners", "Payments", "Pharma", "Power", "Properties", "Retail", "Robotics",
    "Security", "Semiconductors", "Shipping", "Software", "Solar", "Sports", "Studios", "Supply",
    "Systems", "Technologies", "Telecom", "Textiles", "Therapeutics", "Threads", "Tools", "Travel",
    "Ventures", "Water", "Wellness", "Works",
)

COMPANY_SUFFIXES = (
    "", "", "", "", "", "Inc.", "Inc.", "Inc.", "LLC", "Ltd", "Corp.", "Co.", "Group", "GmbH",
    "AG",
)

STREET_NAMES = (
    "Harbor", "Market", "Mission", "Oak", "Pine", "Cedar", "Maple", "Elm", "Lake", "Hill", "River",
    "Park", "Bay", "Spring", "Sunset", "Highland", "Meadow", "Union", "Front", "Main", "Church",
    "Station", "Mill", "Bridge", "Garden", "King", "Queen", "Victoria", "Castle", "Forest",
    "Orchard", "Willow", "Granite", "Commerce", "Liberty", "Franklin", "Madison", "Lincoln",
    "Grove", "Canal",
)

STREET_TYPES = (
    "Street", "Avenue", "Road", "Boulevard", "Lane", "Drive", "Way", "Place", "Court", "Parkway",
)

class City(NamedTuple):
    city: str
    state: str | None
    country: str
    postal: str
    phone: str  # everything before the subscriber number
    lat: float
    lon: float
    region: str  # Regions__c value
    currency: str
    tld: str
    time_zone: str
    weight: float


CITIES = (
    City("San Francisco", "CA", "United States", "941", "(415) 555-", 37.7793, -122.4193, "AMER", "USD", ".com", "America/Los_Angeles", 6),
    City("New York", "NY", "United States", "100", "(212) 555-", 40.7128, -74.006, "AMER", "USD", ".com", "America/New_York", 7),
    City("Chicago", "IL", "United States", "606", "(312) 555-", 41.8781, -87.6298, "AMER", "USD", ".com", "America/Chicago", 4),
    City("Austin", "TX", "United States", "787", "(512) 555-", 30.2672, -97.7431, "AMER", "USD", ".com", "America/Chicago", 3),
    City("Seattle", "WA", "United States", "981", "(206) 555-", 47.6062, -122.3321, "AMER", "USD", ".com", "America/Los_Angeles", 3),
    City("Boston", "MA", "United States", "021", "(617) 555-", 42.3601, -71.0589, "AMER", "USD", ".com", "America/New_York", 3),
    City("Atlanta", "GA", "United States", "303", "(404) 555-", 33.749, -84.388, "AMER", "USD", ".com", "America/New_York", 2),
    City("Denver", "CO", "United States", "802", "(303) 555-", 39.7392, -104.9903, "AMER", "USD", ".com", "America/Denver", 2),
    City("Los Angeles", "CA", "United States", "900", "(213) 555-", 34.0522, -118.2437, "AMER", "USD", ".com", "America/Los_Angeles", 4),
    City("Dallas", "TX", "United States", "752", "(214) 555-", 32.7767, -96.797, "AMER", "USD", ".com", "America/Chicago", 2),
    City("Miami", "FL", "United States", "331", "(305) 555-", 25.7617, -80.1918, "AMER", "USD", ".com", "America/New_York", 2),
    City("Minneapolis", "MN", "United States", "554", "(612) 555-", 44.9778, -93.265, "AMER", "USD", ".com", "America/Chicago", 1.5),
    City("Phoenix", "AZ", "United States", "850", "(602) 555-", 33.4484, -112.074, "AMER", "USD", ".com", "America/Phoenix", 1.5),
    City("Raleigh", "NC", "United States", "276", "(919) 555-", 35.7796, -78.6382, "AMER", "USD", ".com", "America/New_York", 1.5),
    City("Salt Lake City", "UT", "United States", "841", "(801) 555-", 40.7608, -111.891, "AMER", "USD", ".com", "America/Denver", 1),
    City("Portland", "OR", "United States", "972", "(503) 555-", 45.5152, -122.6784, "AMER", "USD", ".com", "America/Los_Angeles", 1),
    City("Nashville", "TN", "United States", "372", "(615) 555-", 36.1627, -86.7816, "AMER", "USD", ".com", "America/Chicago", 1),
    City("Pittsburgh", "PA", "United States", "152", "(412) 555-", 40.4406, -79.9959, "AMER", "USD", ".com", "America/New_York", 1),
    City("Toronto", "ON", "Canada", "M5H 2N2", "+1 416 555 ", 43.6532, -79.3832, "AMER", "CAD", ".ca", "America/New_York", 2.5),
    City("Vancouver", "BC", "Canada", "V6B 1A1", "+1 604 555 ", 49.2827, -123.1207, "AMER", "CAD", ".ca", "America/Los_Angeles", 1.5),
    City("Montreal", "QC", "Canada", "H3B 2Y5", "+1 514 555 ", 45.5019, -73.5674, "AMER", "CAD", ".ca", "America/New_York", 1),
    City("London", "England", "United Kingdom", "EC2V 7HH", "+44 20 7946 ", 51.5074, -0.1278, "EMEA", "GBP", ".co.uk", "Europe/London", 5),
    City("Manchester", "England", "United Kingdom", "M1 1AE", "+44 161 496 ", 53.4808, -2.2426, "EMEA", "GBP", ".co.uk", "Europe/London", 1.5),
    City("Edinburgh", "Scotland", "United Kingdom", "EH2 2BY", "+44 131 496 ", 55.9533, -3.1883, "EMEA", "GBP", ".co.uk", "Europe/London", 1),
    City("Berlin", None, "Germany", "10115", "+49 30 5557 ", 52.52, 13.405, "EMEA", "EUR", ".de", "Europe/Berlin", 2.5),
    City("Munich", "Bavaria", "Germany", "80331", "+49 89 5557 ", 48.1351, 11.582, "EMEA", "EUR", ".de", "Europe/Berlin", 1.5),
    City("Hamburg", None, "Germany", "20095", "+49 40 5557 ", 53.5511, 9.9937, "EMEA", "EUR", ".de", "Europe/Berlin", 1),
    City("Paris", None, "France", "75002", "+33 1 5555 ", 48.8566, 2.3522, "EMEA", "EUR", ".fr", "Europe/Paris", 2.5),
    City("Lyon", None, "France", "69002", "+33 4 5555 ", 45.764, 4.8357, "EMEA", "EUR", ".fr", "Europe/Paris", 1),
    City("Amsterdam", None, "Netherlands", "1012 AB", "+31 20 555 ", 52.3676, 4.9041, "EMEA", "EUR", ".nl", "Europe/Paris", 1.5),
    City("Dublin", None, "Ireland", "D02 XY45", "+353 1 555 ", 53.3498, -6.2603, "EMEA", "EUR", ".ie", "Europe/London", 1.5),
    City("Madrid", None, "Spain", "28013", "+34 91 555 ", 40.4168, -3.7038, "EMEA", "EUR", ".es", "Europe/Paris", 1),
    City("Sydney", "NSW", "Australia", "2000", "+61 2 5550 ", -33.8688, 151.2093, "APAC", "AUD", ".com.au", "Australia/Sydney", 2),
    City("Melbourne", "VIC", "Australia", "3000", "+61 3 5550 ", -37.8136, 144.9631, "APAC", "AUD", ".com.au", "Australia/Sydney", 1.5),
    City("Tokyo", None, "Japan", "100-0005", "+81 3 5555 ", 35.6762, 139.6503, "APAC", "JPY", ".co.jp", "Asia/Tokyo", 2),
    City("Osaka", None, "Japan", "530-0001", "+81 6 5555 ", 34.6937, 135.5023, "APAC", "JPY", ".co.jp", "Asia/Tokyo", 1),
    City("Singapore", None, "Singapore", "018956", "+65 6555 ", 1.3521, 103.8198, "APAC", "USD", ".sg", "Asia/Singapore", 1.5),
    City("Bangalore", "Karnataka", "India", "560001", "+91 80 5555 ", 12.9716, 77.5946, "APAC", "USD", ".in", "Asia/Kolkata", 1.5),
    City("Sao Paulo", "SP", "Brazil", "01310-100", "+55 11 5555 ", -23.5505, -46.6333, "LATAM", "USD", ".com.br", "America/Sao_Paulo", 1.5),
    City("Mexico City", "CDMX", "Mexico", "06600", "+52 55 5555 ", 19.4326, -99.1332, "LATAM", "USD", ".mx", "America/Chicago", 1.5),
    City("Buenos Aires", None, "Argentina", "C1002", "+54 11 5555 ", -34.6037, -58.3816, "LATAM", "USD", ".com.ar", "America/Sao_Paulo", 1),
    City("Bogota", None, "Colombia", "110311", "+57 1 555 ", 4.711, -74.0721, "LATAM", "USD", ".co", "America/New_York", 0.7),
)

# How messy real orgs are: some US accounts spell the country differently.
US_COUNTRY_VARIANTS = (
    ("United States", 0.9),
    ("USA", 0.07),
    ("US", 0.03),
)

REGIONS = (
    "AMER", "EMEA", "APAC", "LATAM",
)

EXECUTIVE_TITLES = (
    ("Chief Executive Officer", "Executive"),
    ("Chief Operating Officer", "Executive"),
    ("Chief Technology Officer", "Engineering"),
    ("Chief Information Officer", "IT"),
    ("VP of Operations", "Operations"),
    ("VP of Engineering", "Engineering"),
    ("VP of Sales", "Sales"),
    ("VP of Customer Experience", "Customer Experience"),
    ("Head of IT", "IT"),
    ("Director of Operations", "Operations"),
    ("Director of IT", "IT"),
    ("Head of Revenue Operations", "Sales"),
    ("Chief Financial Officer", "Finance"),
    ("Director of Marketing", "Marketing"),
    ("Head of Data", "Data"),
)

STAFF_TITLES = (
    ("Salesforce Administrator", "IT"),
    ("IT Manager", "IT"),
    ("Systems Administrator", "IT"),
    ("Operations Manager", "Operations"),
    ("Operations Analyst", "Operations"),
    ("Data Analyst", "Data"),
    ("Data Engineer", "Data"),
    ("Software Engineer", "Engineering"),
    ("Engineering Manager", "Engineering"),
    ("Product Manager", "Product"),
    ("Project Manager", "Operations"),
    ("Sales Manager", "Sales"),
    ("Sales Operations Specialist", "Sales"),
    ("Marketing Manager", "Marketing"),
    ("Marketing Coordinator", "Marketing"),
    ("Finance Manager", "Finance"),
    ("Accounts Payable Specialist", "Finance"),
    ("Procurement Manager", "Procurement"),
    ("Customer Support Lead", "Customer Experience"),
    ("Training Coordinator", "HR"),
    ("HR Business Partner", "HR"),
    ("Office Manager", "Administration"),
    ("Business Analyst", "Operations"),
    ("Solutions Architect", "Engineering"),
    ("Security Analyst", "IT"),
)

LEAD_SOURCES = (
    "Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other",
)

CONTRACT_NAMES = (
    "Master Subscription Agreement", "Order Form", "Enterprise Agreement", "Renewal Order Form",
    "Services Agreement",
)

NEXT_STEPS = (
    "Send pricing proposal", "Schedule technical deep dive", "Security review with IT",
    "Confirm budget with finance", "Executive sponsor call", "Legal redlines",
    "Procurement paperwork", "Demo for the wider team", "Pilot kickoff", "Agree on renewal terms",
)

ONBOARDING_TASKS = (
    "Kickoff call", "Confirm success plan", "Admin training", "Configure SSO",
    "Import historical data", "Set up integrations", "Invite end users", "Configure dashboards",
    "End-user training", "Go-live sign-off", "30-day check-in", "Executive business review",
)

HEALTH_NOTES = {
    "Healthy": (
        "Usage is strong across teams and the executive sponsor is engaged.",
        "Adoption keeps growing; the customer is asking about expansion.",
        "Great quarterly review, no open escalations.",
    ),
    "Needs Attention": (
        "Usage dipped this month; schedule a check-in with the admin.",
        "A few open support cases are slowing adoption.",
        "New stakeholders joined; re-run the value review.",
    ),
    "At Risk": (
        "Executive sponsor left the company; relationship needs rebuilding.",
        "Repeated support issues are hurting sentiment.",
        "Usage fell sharply after the reorganisation.",
    ),
    "Critical": (
        "Customer has asked about contract termination terms.",
        "Escalation open with engineering; renewal at serious risk.",
        "No logins in weeks and the champion is unresponsive.",
    ),
}

USER_ROLES = (
    # (key, role name, parent key, profile, title, department, accounts per user, minimum)
    ("ceo", "CEO", None, "System Administrator", "Chief Executive Officer", "Executive", 0, 1),
    ("vp_cs", "VP Customer Success", "ceo", "Customer Success", "VP of Customer Success", "Customer Success", 0, 1),
    ("cs_manager", "Customer Success Manager Lead", "vp_cs", "Customer Success", "Customer Success Team Lead", "Customer Success", 480, 1),
    ("csm", "Customer Success Manager", "cs_manager", "Customer Success", "Customer Success Manager", "Customer Success", 60, 3),
    ("tam", "Technical Account Manager", "cs_manager", "Customer Success", "Technical Account Manager", "Customer Success", 180, 2),
    ("onboarding", "Onboarding Manager", "cs_manager", "Customer Success", "Onboarding Manager", "Customer Success", 250, 2),
    ("vp_sales", "VP Sales", "ceo", "Sales", "VP of Sales", "Sales", 0, 1),
    ("sales_manager", "Sales Manager", "vp_sales", "Sales", "Regional Sales Manager", "Sales", 720, 1),
    ("ae", "Account Executive", "sales_manager", "Sales", "Account Executive", "Sales", 90, 3),
    ("support_manager", "Support Manager", "vp_cs", "Support", "Support Team Lead", "Support", 560, 1),
    ("agent", "Support Agent", "support_manager", "Support", "Support Engineer", "Support", 70, 3),
)

PROFILES = (
    "Standard User", "Customer Success", "Sales", "Support", "API Only Integration",
    "Customer Community",
)
# fmt: on
