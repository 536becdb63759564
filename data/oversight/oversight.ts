import { INDICATOR_CATALOGUE_HASH, INDICATOR_RULES } from '../../engine/oversight/indicator-catalogue.js'
import { contentHash } from '../../engine/canonical-hash.js'
import { validateCatalogue, type IndicatorRule } from '../../engine/oversight/rule-schema.js'
import type { Registry } from '../registry.js'
import type { AuthorisationBreachPolicy, OversightContext, Viewer } from './context.js'
import { followUpCompletenessByCentre, followUpList } from './follow-ups.js'
import { godtCsv, godtReport, pathwayReport, utilisationReport, type ReportRequest } from './godt-export.js'
import { runIndicators } from './indicators.js'
import { recordDonorPayment, recordLivingDonorEvaluation, type DonorPaymentInput, type LivingDonorEvaluationInput } from './living-donation.js'
import { recordPathwayCase, type PathwayCaseInput } from './pathway-cases.js'
import { loadPopulationTable, type PopulationTable } from './population.js'
import { recordDominoDonor, recordKidneyPancreas, recordRecovery, recordTransplant, type RecoveryInput, type TransplantProcedureInput } from './procedures.js'
import { verifyOversightPins } from './record-pins.js'
import { flagStatisticsReport, getFlag, listFlags, reviewFlag, type FlagFilter, type FlagOutcome } from './review-queue.js'
import { organTrace } from './trace.js'
import { recordTransplantAbroad, type TransplantAbroadInput } from './transplants-abroad.js'
import {
  acknowledgeProtectionAlert, flagSuspectedVictim, liftProtection, protectionAlerts, protectionCases, readSubject
} from './victim-protection.js'

export interface OversightOptions {
  /** What to do with a recovery or transplant outside a centre's authorisation (default `refuse`). */
  readonly authorisationBreach?: AuthorisationBreachPolicy | undefined
  /** The indicator catalogue (default: engine/oversight/indicator-catalogue.ts, version 1). */
  readonly rules?: readonly IndicatorRule[] | undefined
  /** Population denominators (default: data/reference/population-countries.csv). */
  readonly population?: PopulationTable | undefined
  /** Clock for recorded_at columns (default: the system clock). */
  readonly now?: (() => string) | undefined
}

/**
 * The oversight services over one registry: traceability, authorisation-checked procedures,
 * follow-up lists, the indicator engine and its review queue, victim protection, the GODT export and
 * the self-sufficiency reports. One object for the API and the CLI to hold.
 */
export function createOversight (registry: Registry, options: OversightOptions = {}) {
  const rules = options.rules === undefined ? INDICATOR_RULES : validateCatalogue(options.rules)
  const ctx: OversightContext = {
    registry,
    db: registry.db,
    now: options.now ?? (() => new Date().toISOString()),
    authorisationBreach: options.authorisationBreach ?? 'refuse',
    rules,
    ruleSetHash: options.rules === undefined ? INDICATOR_CATALOGUE_HASH : contentHash(rules)
  }
  let population = options.population
  const populationTable = (): PopulationTable => (population ??= loadPopulationTable())
  return {
    context: ctx,
    rules,
    ruleSetHash: ctx.ruleSetHash,
    // traceability and authorisation
    recordRecovery: (input: RecoveryInput, actor: string) => recordRecovery(ctx, input, actor),
    recordTransplant: (input: TransplantProcedureInput, actor: string) => recordTransplant(ctx, input, actor),
    recordKidneyPancreas: (input: { pancreasTransplantId: string, kidneyTransplantId: string }, actor: string) => { recordKidneyPancreas(ctx, input, actor) },
    recordDominoDonor: (input: { donorId: string, sourceTransplantId: string }, actor: string) => { recordDominoDonor(ctx, input, actor) },
    trace: (organId: string, viewer: Viewer) => organTrace(ctx, organId, viewer),
    verifyRecords: () => verifyOversightPins(ctx.db),
    // indicator inputs
    recordLivingDonorEvaluation: (input: LivingDonorEvaluationInput, actor: string) => recordLivingDonorEvaluation(ctx, input, actor),
    recordDonorPayment: (input: DonorPaymentInput, actor: string) => recordDonorPayment(ctx, input, actor),
    recordTransplantAbroad: (input: TransplantAbroadInput, actor: string) => recordTransplantAbroad(ctx, input, actor),
    recordPathwayCase: (input: PathwayCaseInput, actor: string) => recordPathwayCase(ctx, input, actor),
    // indicator engine and review queue
    runIndicators: (input: { asOf: string, year?: number | undefined }, actor: string) => runIndicators(ctx, input, actor),
    listFlags: (viewer: Viewer, filter?: FlagFilter) => listFlags(ctx, viewer, filter),
    getFlag: (flagId: number, viewer: Viewer) => getFlag(ctx, flagId, viewer),
    reviewFlag: (flagId: number, input: { outcome: FlagOutcome, at: string }, viewer: Viewer) => reviewFlag(ctx, flagId, input, viewer),
    flagStatistics: (period?: { from?: string | undefined, to?: string | undefined }) => flagStatisticsReport(ctx, period),
    // follow-up
    followUps: (input: { asOf: string, centreId?: string | undefined, state?: 'due' | 'overdue' | undefined }, viewer: Viewer) => followUpList(ctx, input, viewer),
    followUpCompleteness: (input: { asOf: string, centreId?: string | undefined }) => followUpCompletenessByCentre(ctx, input),
    // victim protection
    flagSuspectedVictim: (input: { subjectId: string, reasonCode: string, at: string }, viewer: Viewer) => flagSuspectedVictim(ctx, input, viewer),
    liftProtection: (caseId: string, input: { at: string }, viewer: Viewer) => { liftProtection(ctx, caseId, input, viewer) },
    readSubject: (subjectId: string, viewer: Viewer, purpose: string) => readSubject(ctx, subjectId, viewer, purpose),
    protectionAlerts: (viewer: Viewer, filter?: { open?: boolean }) => protectionAlerts(ctx, viewer, filter),
    acknowledgeProtectionAlert: (alertId: number, viewer: Viewer) => { acknowledgeProtectionAlert(ctx, alertId, viewer) },
    protectionCases: (viewer: Viewer) => protectionCases(ctx, viewer),
    // reports
    godtReport: (input: ReportRequest) => godtReport(ctx, populationTable(), input),
    godtCsv,
    pathwayReport: (input: ReportRequest) => pathwayReport(ctx, populationTable(), input),
    utilisationReport: (input: ReportRequest) => utilisationReport(ctx, populationTable(), input)
  }
}

export type Oversight = ReturnType<typeof createOversight>
