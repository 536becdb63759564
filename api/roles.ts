import { ROLES, type Role } from '../data/db/user-repository.js'

export { ROLES, type Role }

/**
 * Who may call what. Every /v1 route names the roles it admits (`config.roles`); a route that names
 * none admits nobody (deny by default). The groups below are the access policy in one place, so a
 * review reads one file and the route × role test enumerates the same table.
 *
 * Separation of duties: `admin` manages users and tokens and reads no registry data; recording a
 * policy version that officers can run is the registry authority's act, not the analyst's.
 */
export const ROLE = {
  clerk: 'registry-clerk',
  officer: 'allocation-officer',
  analyst: 'policy-analyst',
  auditor: 'auditor',
  authority: 'registry-authority',
  protection: 'protection-officer',
  admin: 'admin'
} as const satisfies Record<string, Role>

const { clerk, officer, analyst, auditor, authority, protection, admin } = ROLE

export const ACCESS = {
  anyone: ROLES,
  admin: [admin],
  userReview: [admin, auditor],
  centreRead: [clerk, officer, analyst, auditor, authority],
  centreWrite: [clerk, authority],
  authorisationWrite: [authority],
  candidateRead: [clerk, officer, auditor],
  candidateWrite: [clerk],
  donorReport: [clerk, officer],
  donorRead: [clerk, officer, auditor],
  livingDonation: [clerk],
  procedureAuthorisation: [clerk, authority],
  identifierReveal: [authority],
  equityExport: [analyst, auditor],
  matchRunCreate: [officer],
  matchRunRead: [officer, auditor],
  matchRunReplay: [officer, auditor],
  offerWrite: [officer],
  transplantWrite: [clerk, officer],
  transplantRead: [clerk, officer, auditor],
  followUpWrite: [clerk],
  policyRead: [officer, analyst, auditor, authority],
  policyLint: [analyst, auditor, authority],
  policyRecord: [authority],
  // Simulations run on a synthetic cohort, never registry patients; starting one is the analyst's act.
  simulationRun: [analyst],
  simulationRead: [analyst, auditor, authority],
  scores: [clerk, officer, analyst, auditor, authority, protection],
  auditRead: [auditor],
  auditVerify: [auditor, authority],
  // Oversight (UN GA res. 71/322 para 3(d)-(i), 5, 7, 9). Reviewers of flags never include the officer
  // whose allocations the flags are about; suspected-victim records are the protection officer's alone.
  // The officer who placed an organ follows it to its fate; the audit proofs hold no more than the officer's own records.
  organTrace: [officer, auditor, authority, protection],
  recoveryWrite: [clerk],
  reviewQueue: [auditor, authority, protection],
  indicatorRun: [auditor, authority],
  indicatorRules: [analyst, auditor, authority, protection],
  flagStatistics: [analyst, auditor, authority],
  followUpRead: [clerk, auditor, authority, protection],
  indicatorInputs: [clerk],
  transplantAbroad: [clerk, authority],
  pathwayCases: [clerk, authority],
  combinedTransplants: [clerk],
  reportSuspicion: [clerk, officer, analyst, auditor, authority, protection],
  subjectRead: [clerk, officer, auditor, authority, protection],
  protection: [protection],
  godtReport: [authority, auditor],
  selfSufficiencyReport: [authority, auditor, analyst]
} as const satisfies Record<string, readonly Role[]>
