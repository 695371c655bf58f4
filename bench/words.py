"""Word lists for the synthetic publication: parts of speech in, nothing out (pure data)."""

# Written for this project; the register is a campaigning weekly's news pages.
# Each list is split on whitespace; multi-word entries use "_" and are joined with a space.

NOUNS = """
worker workers union unions strike strikes picket pickets wage wages pay rent rents landlord
landlords tenant tenants council councils budget budgets cut cuts service services hospital
hospitals school schools teacher teachers nurse nurses doctor doctors student students campaign
campaigns meeting meetings branch branches member members leader leaders government minister
ministers parliament election elections vote votes party parties movement movements protest
protests march marches rally rallies demand demands policy policies profit profits company
companies boss bosses shareholder shareholders director directors factory factories warehouse
warehouses depot depots office offices station stations railway railways bus buses driver
drivers porter porters cleaner cleaners contract contracts job jobs shift shifts hour hours
week weeks month months year years price prices bill bills energy fuel food housing home
homes estate estates flat flats community communities town towns city cities village villages
region regions country countries economy crisis crises recession inflation debt debts
pension pensions benefit benefits claimant claimants family families child children parent
parents youth generation generations history struggle struggles victory victories defeat
defeats ballot ballots mandate mandates dispute disputes agreement agreements offer offers
negotiation negotiations employer employers management manager managers committee committees
conference conferences motion motions resolution resolutions executive leadership activist
activists organiser organisers representative representatives delegate delegates paper papers
article articles reader readers newspaper newspapers leaflet leaflets petition petitions
stall stalls fund funds donation donations appeal appeals society system systems market
markets bank banks billionaire billionaires investor investors industry industries sector
sectors nationalisation ownership control plan plans future alternative alternatives climate
planet emission emissions flood floods transport water sewage river rivers coast tax taxes
wealth poverty inequality class classes power right rights law laws court courts police
officer officers racism sexism discrimination solidarity struggle demonstration demonstrations
occupation occupations walkout walkouts lockout lockouts redundancy redundancies closure
closures library libraries centre centres care carer carers surgery waiting_list ambulance
ambulances paramedic paramedics university universities college colleges lecturer lecturers
fee fees loan loans graduate graduates apprentice apprentices tribunal tribunals inquiry
report reports figure figures survey surveys study studies statement statements speech
speeches interview interviews question questions answer answers idea ideas programme
programmes manifesto manifestos platform platforms voice voices street streets square
squares gate gates canteen canteens yard yards site sites
""".split()

ADJECTIVES = """
new old young local national international public private working-class mass democratic
independent militant determined angry furious bitter long short huge massive small tiny
growing falling rising shrinking real basic decent fair unfair low high poor rich wealthy
powerful weak strong united divided official unofficial rank-and-file socialist capitalist
political economic social financial cheap expensive affordable unaffordable safe unsafe
dangerous secure insecure permanent temporary full-time part-time zero-hours outsourced
privatised nationalised council-run hospital-based city-wide nationwide regional global
European British Welsh Scottish northern southern eastern western urgent serious important
major minor key central crucial vital previous recent current coming next last first
second third final entire whole clear obvious simple modest generous inflation-busting
above-inflation below-inflation brutal savage relentless historic unprecedented
""".split()

VERBS_PAST = """
voted struck marched rallied demanded won lost fought organised built launched called
announced agreed rejected accepted refused opposed supported backed condemned attacked
defended closed opened cut raised lowered slashed froze threatened promised delivered
exposed revealed showed warned argued explained reported claimed insisted admitted denied
blocked occupied picketed balloted mobilised joined left formed elected collected raised
signed sold distributed spoke addressed visited met greeted welcomed celebrated
""".split()

VERBS_PRESENT = """
need needs want wants demand demands face faces fight fights build builds show shows
mean means force forces cost costs leave leaves make makes take takes give gives keep
keeps hold holds stand stands put puts see sees know knows pay pays run runs win wins
lose loses organise organises support supports oppose opposes defend defends expose
exposes threaten threatens
""".split()

VERBS_BASE = """
fight build organise win defend oppose support expose demand stop save reverse scrap
nationalise tax invest fund restore protect extend join vote strike march stand challenge
replace transform change end break
""".split()

ADVERBS = """
now already still again also only just even clearly quickly slowly rapidly sharply
openly publicly immediately eventually finally recently currently increasingly widely
""".split()

PREPOSITIONS = """
in on at for with against from to by over under across through after before during
without within around behind beyond towards among between despite outside inside
""".split()

DETERMINERS = """
the the the the a a this that these those every each our their its no some many most
""".split()

CONJUNCTIONS = """and but yet so while because although since as""".split()

PRONOUNS = """we they it he she workers people everyone nobody""".split()

SUBORDINATE_OPENERS = """
Meanwhile However Instead Nevertheless Moreover Yet Still Now Last_week This_week
In_response On_Monday On_Tuesday On_Wednesday On_Thursday On_Friday On_Saturday
Over_the_summer Since_then At_the_same_time For_years In_the_end Across_the_country
""".split()

FIRST_NAMES = """
Aisha Alan Amira Andy Anna Ben Bethan Carl Chloe Claire Dan Dave Deborah Declan Eileen
Emma Farid Fiona Gareth Grace Hannah Helen Ian Imran Isla James Jane Jenny Joe John
Josh Kate Kevin Lauren Leah Liam Lucy Marie Mark Martin Mary Matt Mehmet Mike Molly
Naomi Neil Nicola Niamh Owen Paul Pete Priya Rachel Rhys Rob Ruth Sam Sarah Sean
Siobhan Sonia Steve Sue Tom Tony Yusuf Zara Zoë Chloé Seán Siân Dafydd Ciarán
""".split()

SURNAMES = """
Ahmed Ali Allen Baker Begum Bell Bennett Brown Campbell Carter Clarke Collins Cooper
Davies Doyle Edwards Evans Fisher Green Griffiths Hall Harris Hughes Hussain Jackson
James Jenkins Johnson Jones Kelly Khan Lewis Lloyd Macdonald Martin Mitchell Morgan
Morris Murphy O'Brien O'Neill Owen Parker Patel Phillips Price Roberts Robinson Ryan
Scott Shah Singh Smith Stewart Taylor Thomas Thompson Turner Walker Ward Watson White
Williams Wilson Wood Wright Young Ó_Súilleabháin Łukasiewicz Nowak Kowalski Öztürk
""".split()

PLACES = """
Leicester Cardiff Swansea Bristol Coventry Derby Nottingham Sheffield Leeds Bradford
Manchester Salford Liverpool Wirral Newcastle Sunderland Hull York Norwich Ipswich
Southampton Portsmouth Brighton Exeter Plymouth Reading Oxford Cambridge Luton Bedford
Northampton Stoke Wolverhampton Walsall Dudley Birmingham Lewisham Hackney Waltham_Forest
Newham Tower_Hamlets Camden Islington Haringey Croydon Bromley Glasgow Edinburgh Dundee
Aberdeen Belfast Derry Wrexham Newport Caerphilly Merthyr Carlisle Preston Blackburn
""".split()

UNIONS = """
Unite Unison GMB RMT PCS NEU UCU CWU BMA RCN Aslef FBU TSSA Usdaw Equity NUJ BFAWU
""".split()

KEYWORDS = """
Workplace Strikes Pay NHS Health Education Housing Rents Council_cuts Austerity Climate
Environment Transport Railways Buses Energy Cost_of_living Benefits Pensions Youth
Students Universities Racism Women LGBT+ Disability Trade_unions Elections Labour_Party
International Europe Ireland Scotland Wales History Culture Film TV Books Music Media
Technology Social_media Capitalism Socialism Police Democracy Refugees War Economy
""".split()

KICKERS = """
TV Film Book_review Theatre Music Strike Workplace NHS Housing Climate Comment Analysis
International Obituary History Youth Students Letters Council_cuts Editorial Feature
""".split()

BOX_TITLES = [
    "Finance appeal",
    "What we stand for",
    "Fact file",
    "Join the campaign",
    "Timeline",
    "Key demands",
]

CREDITS = [
    "Staff photographer",
    "Reader's photo",
    "Campaign archive",
    "Branch photo",
    "Picture desk",
    "Creative Commons",
]

SECTIONS = [
    ("what-we-think", "What we think"),
    ("workplace", "Workplace news"),
    ("campaigns", "Campaigns news"),
    ("analysis", "Analysis"),
    ("international", "International news"),
    ("reviews", "Reviews"),
    ("history", "From the archive"),
    ("readers-opinion", "Readers' opinion"),
]


def spaced(words: list[str]) -> list[str]:
    """Turn "_"-joined entries into multi-word phrases."""
    return [w.replace("_", " ") for w in words]
