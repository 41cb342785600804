import { AlertLedger } from '../alerts/alertLedger';
import { DestinationWindows } from '../alerts/destinationWindow';
import type { AuditRecord } from '../audit/auditRecord';
import type { ServiceConnectionAsset } from '../audit/serviceConnectionAsset';
import { PipelineDayStore } from '../ci/pipelineDays';
import type { BuildScanRecord } from '../ci/scanAzurePipelinesBuild';
import type { CiRunScanRecord } from '../ci/scanCiRun';
import type { Clock } from '../clock';
import type { VigilConfig } from '../config';
import type { DeliveryDocument } from '../events/deliveryLog';
import { IdempotencyGuard } from '../idempotency/idempotencyGuard';
import type { JourneyHop } from '../journeys/journeyHop';
import { OrganizationDirectory } from '../organizations/organizationDirectory';
import { PullRequestFeedbackStore } from '../pullrequests/feedback/pullRequestFeedback';
import type { ParkedMessage } from '../queue/parkedMessages';
import type { RepositoryAsset } from '../repositories/assets/asset';
import { RepositoryAssetStore } from '../repositories/assets/repositoryAssetStore';
import type { RepositoryScanRecord } from '../repositories/contentScan/repositoryScanRecord';
import type { InventoryRecord } from '../repositories/inventory/inventoryOrganization';
import { RiskStore } from '../risks/riskStore';
import { RiskTallyStore } from '../risks/riskTallies';
import type { SarifScanRecord } from '../sarif/sarifScanRecord';
import { SarifUploadStore } from '../sarif/sarifUploads';
import type { Container, Store } from '../store/port';
import { WorkItemLinkStore } from '../workitems/workItemLink';

/** The `assets` container holds one document type: an asset, told apart by `type`. */
export type Asset = RepositoryAsset | ServiceConnectionAsset;

/** The `scans` container holds one document type: the record of a scan, told apart by `kind`. */
export type ScanRecord = BuildScanRecord | CiRunScanRecord | RepositoryScanRecord | InventoryRecord | AuditRecord | SarifScanRecord;

/**
 * Every container, typed once, with the domain store that guards its writes where there is one
 * (docs/architecture.md, "State"). Use cases get these; none of them names a container or picks
 * a document type.
 */
export interface AppStores {
  organizations: OrganizationDirectory;
  risks: RiskStore;
  assets: Container<Asset>;
  /** The repository assets of `assets`, with the inventory's compare-before-write rules. */
  repositories: RepositoryAssetStore;
  scans: Container<ScanRecord>;
  alertLedger: AlertLedger;
  alertWindows: DestinationWindows;
  deliveries: Container<DeliveryDocument>;
  parked: Container<ParkedMessage>;
  idempotency: IdempotencyGuard;
  /** Risk ⇄ work item links (shared/workitems/workItemLink.ts). */
  workItemLinks: WorkItemLinkStore;
  /** What Vigil posted on each pull request, claimed before posting and recorded after. */
  pullRequestFeedback: PullRequestFeedbackStore;
  /** Each delivery's hops for `vigil trace` (shared/journeys/). */
  journeys: Container<JourneyHop>;
  /** The overview's running risk totals, moved by every write of a risk (shared/risks/riskTallies.ts). */
  riskTallies: RiskTallyStore;
  /** The overview's pipeline health per pipeline and day, counted by the build scans (shared/ci/pipelineDays.ts). */
  pipelineDays: PipelineDayStore;
  /** SARIF logs posted by CI, in chunks, until their handler reads them (shared/sarif/sarifUploads.ts). */
  sarifUploads: SarifUploadStore;
}

export function createStores(store: Store, clock: Clock, config: VigilConfig): AppStores {
  const assets = store.container<Asset>('assets');
  const riskTallies = new RiskTallyStore(store.container('riskTallies'), clock);
  const { VIGIL_ALERT_BURST_LIMIT, VIGIL_ALERT_WINDOW_SECONDS } = config.environment;
  return {
    organizations: new OrganizationDirectory(store.container('organizations'), clock),
    // Every write of a risk also moves the overview's totals.
    risks: new RiskStore(store.container('risks'), clock, riskTallies),
    assets,
    // The repository view of `assets`: it reads only documents of type 'repository' and writes only those.
    repositories: new RepositoryAssetStore(assets as Container<RepositoryAsset>, clock),
    scans: store.container<ScanRecord>('scans'),
    alertLedger: new AlertLedger(store.container('alerts'), clock),
    alertWindows: new DestinationWindows(store.container('alertWindows'), clock, {
      burstLimit: VIGIL_ALERT_BURST_LIMIT,
      windowMs: VIGIL_ALERT_WINDOW_SECONDS * 1000,
    }),
    deliveries: store.container<DeliveryDocument>('deliveries'),
    parked: store.container<ParkedMessage>('parked'),
    idempotency: new IdempotencyGuard(store.container('idempotency'), clock, {
      inProgressTtlMs: config.handlerTimeoutMs,
      completedTtlMs: 7 * 24 * 3_600_000,
    }),
    workItemLinks: new WorkItemLinkStore(store.container('workItemLinks'), clock),
    pullRequestFeedback: new PullRequestFeedbackStore(store.container('pullRequestFeedback'), clock, config.handlerTimeoutMs),
    journeys: store.container<JourneyHop>('journeys'),
    riskTallies,
    pipelineDays: new PipelineDayStore(store.container('pipelineDays')),
    sarifUploads: new SarifUploadStore(store.container('sarifUploads')),
  };
}
