"""The NHS Innovation Service's innovation record, document version 202304, as published in
`nhsengland/innovation-service-backend-api` (`libs/shared/schemas/innovation-record/202304/`:
`catalog.types.ts` for the value lists, `document.types.ts` and `document.schema.ts` for the
fields, the latter for their limits).

Field names are theirs (camelCase, sections in capitals), so a validation error's pointer is a
JSON pointer into the record as its authors wrote it. Lengths follow their validator
(`TEXTAREA_LENGTH_LIMIT`: small 200, medium 500, mediumUp 1000, largeDown 1500, large 2000).
Every section but INNOVATION_DESCRIPTION may be absent (a record in progress); unknown fields
are refused (a misspelt field would otherwise vanish from the export)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from shared.types import InputModel, NotBlank

SMALL, MEDIUM, MEDIUM_UP, LARGE_DOWN, LARGE = 200, 500, 1000, 1500, 2000

RECORD_VERSION = "202304"

# Shared answer lists.
YesNo = Literal["YES", "NO"]
YesNotYet = Literal["YES", "NOT_YET"]
YesNotYetNo = Literal["YES", "NOT_YET", "NO"]
YesNoNotSure = Literal["YES", "NO", "NOT_SURE"]
YesInProgressNotYet = Literal["YES", "IN_PROGRESS", "NOT_YET"]
YesNoNotRelevant = Literal["YES", "NO", "NOT_RELEVANT"]

Category = Literal[
    "MEDICAL_DEVICE",
    "IN_VITRO_DIAGNOSTIC",
    "PHARMACEUTICAL",
    "DIGITAL",
    "AI",
    "EDUCATION",
    "PPE",
    "MODELS_CARE",
    "ESTATES_FACILITIES",
    "TRAVEL_TRANSPORT",
    "FOOD_NUTRITION",
    "DATA_MONITORING",
    "OTHER",
]
Area = Literal[
    "COVID_19",
    "DATA_ANALYTICS_AND_RESEARCH",
    "DIGITALISING_SYSTEM",
    "IMPROVING_SYSTEM_FLOW",
    "INDEPENDENCE_AND_PREVENTION",
    "OPERATIONAL_EXCELLENCE",
    "PATIENT_ACTIVATION_AND_SELF_CARE",
    "PATIENT_SAFETY",
    "WORKFORCE_RESOURCE_OPTIMISATION",
    "NET_ZERO_GREENER_INNOVATION",
]
CareSetting = Literal[
    "ACADEMIA",
    "ACUTE_TRUSTS_INPATIENT",
    "ACUTE_TRUSTS_OUTPATIENT",
    "AMBULANCE",
    "CARE_HOMES_CARE_SETTING",
    "END_LIFE_CARE",
    "ICS",
    "INDUSTRY",
    "LOCAL_AUTHORITY_EDUCATION",
    "MENTAL_HEALTH",
    "PHARMACY",
    "PRIMARY_CARE",
    "SOCIAL_CARE",
    "THIRD_SECTOR_ORGANISATIONS",
    "URGENT_AND_EMERGENCY",
    "OTHER",
]
MainPurpose = Literal[
    "PREVENT_CONDITION",
    "PREDICT_CONDITION",
    "DIAGNOSE_CONDITION",
    "MONITOR_CONDITION",
    "PROVIDE_TREATMENT",
    "MANAGE_CONDITION",
    "ENABLING_CARE",
    "RISKS_CLIMATE_CHANGE",
]
AACProgramme = Literal[
    "No",
    "Academic Health Science Network",
    "Artificial Intelligence in Health and Care Award",
    "Clinical Entrepreneur Programme",
    "Early Access to Medicines Scheme",
    "Innovation for Healthcare Inequalities Programme",
    "Innovation and Technology Payment Programme",
    "NHS Innovation Accelerator",
    "NHS Insights Prioritisation Programme",
    "Pathway Transformation Fund",
    "Rapid Uptake Products Programme",
    "Small Business Research Initiative for Healthcare",
    "Test beds",
]
CarbonReductionPlan = Literal["YES", "WORKING_ON", "NO"]
KeyHealthInequality = Literal[
    "MATERNITY",
    "SEVER_MENTAL_ILLNESS",  # their spelling
    "CHRONIC_RESPIRATORY_DISEASE",
    "EARLY_CANCER_DIAGNOSIS",
    "HYPERTENSION_CASE_FINDING",
    "NONE",
]
NeedsSupportArea = Literal[
    "RESEARCH_GOVERNANCE", "DATA_SHARING", "CONFIDENTIAL_PATIENT_DATA", "DO_NOT_NEED_SUPPORT"
]
EvidenceSubmitType = Literal[
    "CLINICAL_OR_CARE",
    "COST_IMPACT_OR_ECONOMIC",
    "OTHER_EFFECTIVENESS",
    "PRE_CLINICAL",
    "REAL_WORLD",
]
EvidenceType = Literal[
    "DATA_PUBLISHED",
    "NON_RANDOMISED_COMPARATIVE_DATA",
    "NON_RANDOMISED_NON_COMPARATIVE_DATA",
    "CONFERENCE",
    "RANDOMISED_CONTROLLED_TRIAL",
    "UNPUBLISHED_DATA",
    "OTHER",
]
OptionBestDescribesInnovation = Literal[
    "ONE_OFF_INNOVATION",
    "BETTER_ALTERNATIVE",
    "EQUIVALENT_ALTERNATIVE",
    "COST_EFFECT_ALTERNATIVE",
    "NOT_SURE",
]
PathwayKnowledge = Literal[
    "PATHWAY_EXISTS_AND_CHANGED",
    "PATHWAY_EXISTS_AND_FITS",
    "NO_PATHWAY",
    "DONT_KNOW",
    "NOT_PART_PATHWAY",
]
IntendedUserGroup = Literal[
    "CLINICAL_SOCIAL_CARE_WORKING_INSIDE_UK",
    "CLINICAL_SOCIAL_CARE_WORKING_OUTSIDE_UK",
    "NON_CLINICAL_HEALTHCARE",
    "PATIENTS",
    "SERVICE_USERS",
    "CARERS",
    "OTHER",
]
HasRegulationKnowledge = Literal["YES_ALL", "YES_SOME", "NO", "NOT_RELEVANT"]
StandardType = Literal[
    "CE_UKCA_NON_MEDICAL",
    "CE_UKCA_CLASS_I",
    "CE_UKCA_CLASS_II_A",
    "CE_UKCA_CLASS_II_B",
    "CE_UKCA_CLASS_III",
    "IVD_GENERAL",
    "IVD_SELF_TEST",
    "IVD_ANNEX_LIST_A",
    "IVD_ANNEX_LIST_B",
    "MARKETING",
    "CQC",
    "DTAC",
    "OTHER",
]
HasPatents = Literal["HAS_AT_LEAST_ONE", "APPLIED_AT_LEAST_ONE", "HAS_NONE"]
HasRevenueModel = Literal["YES", "NO", "DONT_KNOW"]
Revenue = Literal[
    "ADVERTISING",
    "DIRECT_PRODUCT_SALES",
    "FEE_FOR_SERVICE",
    "LEASE",
    "SALES_OF_CONSUMABLES_OR_ACCESSORIES",
    "SUBSCRIPTION",
    "OTHER",
]
HasCostKnowledge = Literal["DETAILED_ESTIMATE", "ROUGH_IDEA", "NO"]
PatientRange = Literal[
    "UP_10000", "BETWEEN_10000_500000", "MORE_THAN_500000", "NOT_SURE", "NOT_RELEVANT"
]
CostComparison = Literal["CHEAPER", "COSTS_MORE_WITH_SAVINGS", "COSTS_MORE", "NOT_SURE"]


def text(limit: int) -> Any:
    """`Joi.string().max(limit)`."""
    return Field(None, max_length=limit)


# An uploaded file of the Innovation Service, by its id (`Joi.string().guid()`); kept as written.
FileId = Annotated[
    str,
    StringConstraints(
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    ),
]
Files = Annotated[list[FileId], Field(min_length=1, max_length=100)]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NotBlank()
]


def items(limit: int) -> Any:
    """`Joi.array().items(...).min(1)`, bounded so a record stays a record."""
    return Field(None, min_length=1, max_length=limit)


class NhsInnovationDescription(InputModel):
    name: Name
    description: str | None = text(MEDIUM)
    countryName: str | None = text(100)
    postcode: str | None = text(8)
    website: str | None = text(100)
    hasFinalProduct: YesNo | None = None  # in `document.types.ts`, not its validator
    categories: list[Category] | None = items(13)
    otherCategoryDescription: str | None = text(100)
    mainCategory: Category | None = None
    otherMainCategoryDescription: str | None = text(100)  # as hasFinalProduct
    areas: list[Area] | None = items(10)
    careSettings: list[CareSetting] | None = items(16)
    otherCareSetting: str | None = text(100)
    mainPurpose: MainPurpose | None = None
    supportDescription: str | None = text(LARGE)
    currentlyReceivingSupport: str | None = text(LARGE)
    involvedAACProgrammes: list[AACProgramme] | None = items(13)


class NhsUnderstandingOfNeeds(InputModel):
    problemsTackled: str | None = text(LARGE_DOWN)
    howInnovationWork: str | None = text(LARGE_DOWN)
    benefitsOrImpact: list[Annotated[str, StringConstraints(max_length=SMALL)]] | None = items(50)
    impactDiseaseCondition: YesNo | None = None
    diseasesConditionsImpact: list[Annotated[str, StringConstraints(max_length=100)]] | None = (
        items(50)
    )
    estimatedCarbonReductionSavings: YesNotYetNo | None = None
    estimatedCarbonReductionSavingsDescription: str | None = text(LARGE)
    carbonReductionPlan: CarbonReductionPlan | None = None
    keyHealthInequalities: list[KeyHealthInequality] | None = items(6)
    completedHealthInequalitiesImpactAssessment: YesNo | None = None
    files: Files | None = None


class NhsEvidenceOfEffectiveness(InputModel):
    hasEvidence: YesNotYet | None = None
    currentlyCollectingEvidence: YesNo | None = None
    summaryOngoingEvidenceGathering: str | None = text(LARGE_DOWN)
    files: Files | None = None
    needsSupportAnyArea: list[NeedsSupportArea] | None = items(4)


class NhsMarketResearch(InputModel):
    hasMarketResearch: YesInProgressNotYet | None = None
    marketResearch: str | None = text(LARGE_DOWN)
    optionBestDescribesInnovation: OptionBestDescribesInnovation | None = None
    whatCompetitorsAlternativesExist: str | None = text(LARGE_DOWN)


class NhsCurrentCarePathway(InputModel):
    innovationPathwayKnowledge: PathwayKnowledge | None = None
    potentialPathway: str | None = text(MEDIUM_UP)


class NhsUserTest(InputModel):
    kind: str | None = text(100)
    feedback: str | None = text(MEDIUM)


class NhsTestingWithUsers(InputModel):
    involvedUsersDesignProcess: YesInProgressNotYet | None = None
    testedWithIntendedUsers: YesInProgressNotYet | None = None
    intendedUserGroupsEngaged: list[IntendedUserGroup] | None = items(7)
    otherIntendedUserGroupsEngaged: str | None = text(100)
    userTests: list[NhsUserTest] | None = items(50)
    files: Files | None = None


class NhsStandard(InputModel):
    type: StandardType
    hasMet: YesInProgressNotYet | None = None


class NhsRegulationsAndStandards(InputModel):
    hasRegulationKnowledge: HasRegulationKnowledge | None = None
    standards: list[NhsStandard] | None = items(13)
    otherRegulationDescription: str | None = text(100)
    files: Files | None = None


class NhsIntellectualProperty(InputModel):
    hasPatents: HasPatents | None = None
    patentNumbers: str | None = text(100)
    hasOtherIntellectual: YesNo | None = None
    otherIntellectual: str | None = text(100)


class NhsRevenueModel(InputModel):
    hasRevenueModel: HasRevenueModel | None = None
    revenues: list[Revenue] | None = items(7)
    otherRevenueDescription: str | None = text(100)
    payingOrganisations: str | None = text(MEDIUM_UP)
    benefittingOrganisations: str | None = text(MEDIUM_UP)
    hasFunding: YesNoNotRelevant | None = None
    fundingDescription: str | None = text(MEDIUM)


class NhsCostOfInnovation(InputModel):
    hasCostKnowledge: HasCostKnowledge | None = None
    costDescription: str | None = text(MEDIUM_UP)
    patientsRange: PatientRange | None = None
    eligibilityCriteria: str | None = text(MEDIUM_UP)
    sellExpectations: str | None = text(MEDIUM)
    usageExpectations: str | None = text(MEDIUM_UP)
    costComparison: CostComparison | None = None


class NhsDeployment(InputModel):
    hasDeployPlan: YesNo | None = None
    isDeployed: YesNo | None = None
    deploymentPlans: list[Annotated[str, StringConstraints(max_length=100)]] | None = items(50)
    commercialBasis: str | None = text(LARGE)
    organisationDeploymentAffect: str | None = text(LARGE)
    hasResourcesToScale: YesNoNotSure | None = None
    files: Files | None = None


class NhsEvidence(InputModel):
    evidenceSubmitType: EvidenceSubmitType
    evidenceType: EvidenceType | None = None
    description: str | None = text(50)
    summary: Annotated[str, StringConstraints(max_length=MEDIUM_UP)]
    files: Files | None = None


class NhsInnovationRecord(InputModel):
    """One innovation record (`DocumentType202304`)."""

    version: Literal["202304"]
    INNOVATION_DESCRIPTION: NhsInnovationDescription
    UNDERSTANDING_OF_NEEDS: NhsUnderstandingOfNeeds | None = None
    EVIDENCE_OF_EFFECTIVENESS: NhsEvidenceOfEffectiveness | None = None
    MARKET_RESEARCH: NhsMarketResearch | None = None
    CURRENT_CARE_PATHWAY: NhsCurrentCarePathway | None = None
    TESTING_WITH_USERS: NhsTestingWithUsers | None = None
    REGULATIONS_AND_STANDARDS: NhsRegulationsAndStandards | None = None
    INTELLECTUAL_PROPERTY: NhsIntellectualProperty | None = None
    REVENUE_MODEL: NhsRevenueModel | None = None
    COST_OF_INNOVATION: NhsCostOfInnovation | None = None
    DEPLOYMENT: NhsDeployment | None = None
    evidences: list[NhsEvidence] | None = items(100)

    def document(self) -> dict[str, Any]:
        """The record as JSON, exactly the fields it was given (nothing added, nothing lost)."""
        return self.model_dump(mode="json", exclude_unset=True)
