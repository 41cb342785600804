import type { ExampleMaker, RuleDefinition } from '../types';
import { assignment, tokenEnd } from './patternParts';

/**
 * Azure and Azure DevOps. Identifiable keys carry a signature and a Marvin32 checksum, so a match
 * that fails its checksum is dropped: these rules cannot be fooled by look-alikes.
 */
const rotateKey =
  'Rotate the key in the Azure portal (regenerate it), update the consumers from Key Vault, and purge the leaked log or commit.';

/** Rule for a base64 identifiable key: `<n random chars><signature><checksum chars>`. */
function identifiableKeyRule(options: {
  id: string;
  title: string;
  signature: string;
  seeds: readonly string[];
  pattern: string;
  keyword: string;
  urlSafe?: boolean;
  /** Key length in bytes (64 for the 88-character keys, 32 for the 44-character ones), for the examples. */
  bytes: number;
  /** How the key is usually written, `{key}` standing for it (examples). */
  layouts: readonly string[];
}): RuleDefinition {
  return {
    id: options.id,
    family: 'azure',
    title: options.title,
    severity: 'critical',
    confidence: 'high',
    keywords: [options.keyword],
    pattern: new RegExp(String.raw`(?<![A-Za-z0-9+/_\-])(?<secret>${options.pattern})(?![A-Za-z0-9+/=_\-])`),
    validator: 'azure-identifiable-key',
    identifiableKey: { signature: options.signature, seeds: options.seeds, urlSafe: options.urlSafe },
    remediation: rotateKey,
    placeholders: { repeatedCharacters: false, words: false },
    examples: {
      positives: options.layouts.flatMap((layout) =>
        options.seeds.map((seed) => (make: ExampleMaker) => layout.replace('{key}', exampleKey(make, options, seed))),
      ),
      // The same shape with the checksum broken (last base64 characters changed) is not reported.
      negatives: [`key = "${'Q'.repeat(options.bytes === 64 ? 76 : 33)}${options.signature}AAAAA${options.bytes === 64 ? 'A==' : 'A='}"`],
    },
  };
}

const base64Char = '[A-Za-z0-9+/]';

/** An example key that fits the rule's pattern: Search and registry keys are drawn until their base64 fits it. */
function exampleKey(
  make: ExampleMaker,
  options: { bytes: number; signature: string; urlSafe?: boolean; pattern: string },
  seed: string,
): string {
  const whole = new RegExp(`^(?:${options.pattern})$`);
  for (let attempt = 0; ; attempt++) {
    const key = make.identifiableKey(options.bytes, options.signature, seed, options.urlSafe);
    if (whole.test(key) || attempt > 500) return key;
  }
}

export const azureRules: readonly RuleDefinition[] = [
  {
    id: 'azure-devops-pat',
    family: 'azure',
    title: 'Azure DevOps personal access token',
    severity: 'critical',
    confidence: 'high',
    keywords: ['JQQJ9'],
    pattern:
      /(?<![A-Za-z0-9])(?<secret>[A-Za-z0-9]{52}JQQJ9[9DH][A-Za-z0-9][A-L][A-Za-z0-9]{16}AZDO[A-Za-z0-9]{4}(?:[A-Za-z0-9]{2}==)?)(?![A-Za-z0-9])/,
    validator: 'azure-common-annotated-key',
    remediation:
      'Revoke the PAT in Azure DevOps (User settings → Personal access tokens), create a narrower one with a short expiry, and purge the build log that printed it.',
    previewPrefix: 0,
    examples: {
      positives: [
        (make) => `AZURE_DEVOPS_EXT_PAT=${make.commonAnnotatedKey('AZDO')}`,
        (make) => `git clone https://build:${make.commonAnnotatedKey('AZDO')}@dev.azure.com/contoso/app/_git/app`,
        (make) => `  <add key="Password" value="${make.commonAnnotatedKey('AZDO')}" />`,
      ],
      negatives: ['token: 0000000000000000000000000000000000000000000000000000JQQJ99AAAAAAAAAAAAAAAAAAAZDOAAAA'],
    },
  },
  {
    id: 'azure-ai-services-key',
    family: 'azure',
    title: 'Azure AI services (Cognitive Services) key',
    severity: 'critical',
    confidence: 'high',
    keywords: ['JQQJ9'],
    pattern:
      /(?<![A-Za-z0-9])(?<secret>[A-Za-z0-9]{52}JQQJ9[9DH][A-Za-z0-9][A-L][A-Za-z0-9]{16}ACOG[A-Za-z0-9]{4}(?:[A-Za-z0-9]{2}==)?)(?![A-Za-z0-9])/,
    validator: 'azure-common-annotated-key',
    remediation: rotateKey,
    examples: {
      positives: [
        (make) => `Ocp-Apim-Subscription-Key: ${make.commonAnnotatedKey('ACOG')}`,
        (make) => `AZURE_OPENAI_API_KEY="${make.commonAnnotatedKey('ACOG')}"`,
      ],
    },
  },
  {
    id: 'azure-common-annotated-key',
    family: 'azure',
    title: 'Azure common annotated security key',
    severity: 'critical',
    confidence: 'high',
    keywords: ['JQQJ9'],
    pattern:
      /(?<![A-Za-z0-9])(?<secret>[A-Za-z0-9]{52}JQQJ9[9DH][A-Za-z0-9][A-L][A-Za-z0-9]{16}[A-Za-z][A-Za-z0-9]{7}(?:[A-Za-z0-9]{2}==)?)(?![A-Za-z0-9])/,
    validator: 'azure-common-annotated-key',
    remediation: rotateKey,
    generic: true,
    examples: {
      positives: [(make) => `"primaryKey": "${make.commonAnnotatedKey('ASRC')}"`],
    },
  },
  {
    id: 'azure-devops-pat-legacy',
    family: 'azure',
    title: 'Azure DevOps personal access token (legacy 52-character format)',
    severity: 'critical',
    confidence: 'medium',
    // The 52-character base32 format has no checksum, so it is only reported next to words that
    // say Azure DevOps, or inside a decoded Basic credential.
    keywords: [
      'azure_devops_ext_pat',
      'azure_devops_pat',
      'ado_pat',
      'azdo_pat',
      'devops_pat',
      'system_accesstoken',
      'dev.azure.com',
      'visualstudio.com',
      'personal_access_token',
      'personalaccesstoken',
      '_pat=',
      '_pat:',
      ' pat ',
      'azure-devops',
      'azuredevops',
      'az devops',
      // Not `vsts` alone: agent paths and variables (`vsts-agent`, `VSTS_AGENT_…`) put it on most lines of a build log.
      'vsts_token',
      'vsts_pat',
      'ado_token',
      'azdo_token',
      'devops_token',
    ],
    pattern: /(?<![A-Za-z0-9+/_-])(?<secret>[a-z2-7]{52})(?![A-Za-z0-9+/=_-])/,
    // A CRC32 proves the format (confidence high, evidence checksum); without it the context words carry it.
    validator: 'azure-devops-legacy-pat',
    minEntropy: 3.8,
    decodedContexts: ['basic-auth'],
    remediation:
      'Revoke the PAT in Azure DevOps (User settings → Personal access tokens) and replace it with a new-format PAT or a managed identity.',
    examples: {
      positives: [
        (make) => `AZURE_DEVOPS_EXT_PAT=${make.legacyAzureDevOpsPat()}`,
        (make) => `git clone https://pat:${make.legacyAzureDevOpsPat()}@dev.azure.com/contoso/app/_git/app`,
        (make) => `echo ${make.legacyAzureDevOpsPat()} | az devops login --organization https://dev.azure.com/contoso`,
        (make) => `vsts_token: ${make.legacyAzureDevOpsPat()}`,
        // No Azure DevOps word on the line: a generic rule catches it and the checksum says what it is.
        (make) => `password = ${make.legacyAzureDevOpsPat()}`,
      ],
      negatives: ['https://dev.azure.com/contoso/_apis/build/builds?api-version=7.1'],
    },
  },
  identifiableKeyRule({
    id: 'azure-storage-account-key',
    title: 'Azure Storage account key',
    signature: '+ASt',
    seeds: ['Default0'],
    pattern: String.raw`${base64Char}{76}\+ASt${base64Char}{5}[AQgw]==`,
    keyword: '+ASt',
    bytes: 64,
    layouts: [
      'DefaultEndpointsProtocol=https;AccountName=contosodata;AccountKey={key};EndpointSuffix=core.windows.net',
      'az storage blob upload --account-name contosodata --account-key {key} -f out.zip',
      '"storageKey": "{key}"',
    ],
  }),
  identifiableKeyRule({
    id: 'azure-cosmosdb-key',
    title: 'Azure Cosmos DB account key',
    signature: 'ACDb',
    seeds: ['MastRO00', 'MastRW00', 'SysAll00', 'Resour00', 'SystRO00', 'SystRW00', 'Encryp00'],
    pattern: String.raw`${base64Char}{76}ACDb${base64Char}{5}[AQgw]==`,
    keyword: 'ACDb',
    bytes: 64,
    layouts: ['AccountEndpoint=https://contoso.documents.azure.com:443/;AccountKey={key};', 'COSMOS_KEY={key}'],
  }),
  identifiableKeyRule({
    id: 'azure-service-bus-key',
    title: 'Azure Service Bus shared access key',
    signature: '+ASb',
    seeds: ['Send0000', 'Listen00', 'Manage00', 'System00'],
    pattern: String.raw`${base64Char}{33}\+ASb[A-P]${base64Char}{5}=`,
    keyword: '+ASb',
    bytes: 32,
    layouts: ['Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={key}'],
  }),
  identifiableKeyRule({
    id: 'azure-event-hubs-key',
    title: 'Azure Event Hubs shared access key',
    signature: '+AEh',
    seeds: ['Send0000', 'Listen00', 'Manage00', 'System00'],
    pattern: String.raw`${base64Char}{33}\+AEh[A-P]${base64Char}{5}=`,
    keyword: '+AEh',
    bytes: 32,
    layouts: ['Endpoint=sb://contoso-events.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={key};EntityPath=orders'],
  }),
  identifiableKeyRule({
    id: 'azure-relay-key',
    title: 'Azure Relay shared access key',
    signature: '+ARm',
    seeds: ['Send0000', 'Listen00', 'Manage00'],
    pattern: String.raw`${base64Char}{33}\+ARm[A-P]${base64Char}{5}=`,
    keyword: '+ARm',
    bytes: 32,
    layouts: ['Endpoint=sb://contoso-relay.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey={key}'],
  }),
  identifiableKeyRule({
    id: 'azure-function-key',
    title: 'Azure Functions key',
    signature: 'AzFu',
    seeds: ['Functi00', 'System00', 'Master00'],
    pattern: String.raw`[A-Za-z0-9_\-]{44}AzFu[A-Za-z0-9_\-]{5}[AQgw]==`,
    keyword: 'AzFu',
    urlSafe: true,
    bytes: 40,
    layouts: ['curl "https://contoso-fn.azurewebsites.net/api/orders?code={key}"', 'x-functions-key: {key}'],
  }),
  identifiableKeyRule({
    id: 'azure-search-key',
    title: 'Azure AI Search key',
    signature: 'AzSe',
    seeds: ['Query000', 'PAdmin00'],
    pattern: String.raw`[A-Za-z0-9]{42}AzSe[A-D][A-Za-z0-9]{5}`,
    keyword: 'AzSe',
    bytes: 39,
    layouts: ['api-key: {key}', '"SearchServiceAdminApiKey": "{key}"'],
  }),
  identifiableKeyRule({
    id: 'azure-container-registry-key',
    title: 'Azure Container Registry access key',
    signature: '+ACR',
    seeds: ['ACRDflt0'],
    pattern: String.raw`${base64Char}{42}\+ACR[A-D]${base64Char}{5}`,
    keyword: '+ACR',
    bytes: 39,
    layouts: ['docker login contoso.azurecr.io -u contoso -p {key}'],
  }),
  identifiableKeyRule({
    id: 'azure-cache-for-redis-key',
    title: 'Azure Cache for Redis access key',
    signature: 'AzCa',
    seeds: ['Access00'],
    pattern: String.raw`${base64Char}{33}AzCa[A-P]${base64Char}{5}=`,
    keyword: 'AzCa',
    bytes: 32,
    layouts: ['contoso.redis.cache.windows.net:6380,password={key},ssl=True,abortConnect=False'],
  }),
  identifiableKeyRule({
    id: 'azure-api-management-key',
    title: 'Azure API Management key',
    signature: 'APIM',
    seeds: ['Tenant00', 'IoTHub00', 'Gatewy00', 'GitKey00'],
    pattern: String.raw`${base64Char}{76}APIM${base64Char}{5}[AQgw]==`,
    keyword: 'APIM',
    bytes: 64,
    layouts: ['Ocp-Apim-Subscription-Key: {key}'],
  }),
  identifiableKeyRule({
    id: 'azure-iot-key',
    title: 'Azure IoT Hub / Device Provisioning key',
    signature: 'AIoT',
    seeds: ['IoTHub00', 'DpsKey00', 'Device00'],
    pattern: String.raw`${base64Char}{33}AIoT[A-P]${base64Char}{5}=`,
    keyword: 'AIoT',
    bytes: 32,
    layouts: ['HostName=contoso.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey={key}'],
  }),
  identifiableKeyRule({
    id: 'azure-batch-key',
    title: 'Azure Batch account key',
    signature: '+ABa',
    seeds: ['AbAcct00'],
    pattern: String.raw`${base64Char}{76}\+ABa${base64Char}{5}[AQgw]==`,
    keyword: '+ABa',
    bytes: 64,
    layouts: ['BATCH_ACCOUNT_KEY={key}'],
  }),
  identifiableKeyRule({
    id: 'azure-event-grid-key',
    title: 'Azure Event Grid access key',
    signature: 'AZEG',
    seeds: ['Default0', 'SendRecv'],
    pattern: String.raw`${base64Char}{33}AZEG[A-P]${base64Char}{5}=`,
    keyword: 'AZEG',
    bytes: 32,
    layouts: ['aeg-sas-key: {key}', 'EVENTGRID_TOPIC_KEY={key}'],
  }),
  {
    id: 'azure-storage-connection-string',
    family: 'azure',
    title: 'Azure Storage connection string with account key',
    severity: 'critical',
    confidence: 'high',
    keywords: ['accountkey='],
    pattern: /AccountKey=(?<secret>[A-Za-z0-9+/]{86}==)(?![A-Za-z0-9+/=])/i,
    lineRequires: /(?:DefaultEndpointsProtocol|AccountName|BlobEndpoint)=/i,
    remediation: rotateKey,
    examples: {
      positives: [
        (make) => `DefaultEndpointsProtocol=https;AccountName=contosodata;AccountKey=${make.base64(64)};EndpointSuffix=core.windows.net`,
      ],
      negatives: ['DefaultEndpointsProtocol=https;AccountName=devstoreaccount1;AccountKey=$(StorageKey)'],
    },
  },
  {
    id: 'azure-cosmosdb-connection-string',
    family: 'azure',
    title: 'Azure Cosmos DB connection string with account key',
    severity: 'critical',
    confidence: 'high',
    keywords: ['documents.azure.com'],
    pattern: /AccountKey=(?<secret>[A-Za-z0-9+/]{86}==)(?![A-Za-z0-9+/=])/i,
    remediation: rotateKey,
    examples: {
      positives: [(make) => `AccountEndpoint=https://contoso.documents.azure.com:443/;AccountKey=${make.base64(64)};`],
    },
  },
  {
    id: 'azure-messaging-connection-string',
    family: 'azure',
    title: 'Azure Service Bus / Event Hubs / Relay connection string',
    severity: 'critical',
    confidence: 'high',
    keywords: ['sharedaccesskey='],
    pattern: /SharedAccessKey=(?<secret>[A-Za-z0-9+/]{43}=)(?![A-Za-z0-9+/=])/i,
    remediation: 'Regenerate the shared access policy key (or switch the client to a managed identity) and purge the leaked text.',
    examples: {
      positives: [(make) => `Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=app;SharedAccessKey=${make.base64(32)}`],
      negatives: ['Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=app;SharedAccessKey={{ .Values.key }}'],
    },
  },
  {
    id: 'azure-account-key-legacy',
    family: 'azure',
    title: 'Azure account key (legacy 88-character base64) in a key setting',
    severity: 'critical',
    confidence: 'medium',
    // Keys issued before the identifiable format are 64 random bytes with no signature: only a name
    // or flag that says "account/storage/master/primary key" right before the value makes one a key.
    keywords: [
      'accountkey',
      'account_key',
      'account-key',
      'storagekey',
      'storage_key',
      'storage-key',
      'masterkey',
      'master_key',
      'primarykey',
      'primary_key',
      'secondarykey',
      'secondary_key',
      'cosmoskey',
      'cosmos_key',
      'cosmosdbkey',
      'batchkey',
      'accesskey',
      'access_key',
      'sourcekey',
      'destkey',
    ],
    requiredCharacters: '=',
    pattern: new RegExp(
      String.raw`(?:account|storage|master|primary|secondary|cosmos|cosmosdb|batch|access|source|dest)[_\-.]?key[\w.\-]{0,20}(?:${assignment}|["']?[ 	]{1,4}["']?|"[ 	]{1,4}value[ 	]{0,2}=[ 	]{0,2}"|>)(?<secret>[A-Za-z0-9+/]{86}==)(?![A-Za-z0-9+/=])`,
      'i',
    ),
    minEntropy: 4.5,
    remediation: rotateKey,
    examples: {
      positives: [
        (make) => `az storage container list --account-name contosodata --account-key ${make.base64(64)}`,
        (make) =>
          `Set-AzStorageBlobContent -Context (New-AzStorageContext -StorageAccountName contoso -StorageAccountKey "${make.base64(64)}")`,
        (make) => `  <add key="StorageAccountKey" value="${make.base64(64)}" />`,
        (make) => `    <CosmosKey>${make.base64(64)}</CosmosKey>`,
        (make) => `storage_account_key = "${make.base64(64)}"`,
        (make) => `{"AccountKey", "${make.base64(64)}"},`,
      ],
      negatives: [`checksum = "${'A'.repeat(86)}=="`, 'accountKey: $(storageKey)'],
    },
  },
  {
    id: 'azure-shared-access-key-legacy',
    family: 'azure',
    title: 'Azure shared access key (legacy 44-character base64) in a key setting',
    severity: 'critical',
    confidence: 'medium',
    keywords: [
      'sharedaccesskey',
      'shared_access_key',
      'sas_key',
      'sas-key',
      'saskey',
      'aeg-sas-key',
      'primarykey',
      'primary_key',
      'eventgrid',
      'event_grid',
    ],
    requiredCharacters: '=',
    pattern: new RegExp(
      String.raw`(?:shared[_\-.]?access[_\-.]?key|sas[_\-.]?key|primary[_\-.]?key|(?:event[_\-.]?grid|topic)[\w.\-]{0,20}key)[\w.\-]{0,20}(?:${assignment}|["']?[ 	]{1,4}["']?|"[ 	]{1,4}value[ 	]{0,2}=[ 	]{0,2}"|>)(?<secret>[A-Za-z0-9+/]{43}=)(?![A-Za-z0-9+/=])`,
      'i',
    ),
    minEntropy: 4,
    remediation:
      'Regenerate the key (Service Bus, Event Hubs, Relay or Event Grid), update its consumers from Key Vault, and purge the leaked text.',
    examples: {
      positives: [
        (make) => `aeg-sas-key: ${make.base64(32)}`,
        (make) => `SERVICEBUS_SHARED_ACCESS_KEY="${make.base64(32)}"`,
        (make) => `    <add key="EventGridTopicKey" value="${make.base64(32)}" />`,
      ],
      negatives: ['primaryKey: "$(topicKey)"'],
    },
  },
  {
    id: 'azure-sas-token',
    family: 'azure',
    title: 'Azure shared access signature (SAS)',
    severity: 'high',
    confidence: 'high',
    keywords: ['sig='],
    pattern: /(?:^|[?&;\s"'])sig=(?<secret>[A-Za-z0-9%+/]{40,120}(?:%3D|=){0,2})(?![A-Za-z0-9%+/=])/,
    lineRequires: /(?:^|[?&;\s"'])(?:sv|se|sp|srt|ss|spr)=/,
    remediation:
      'Rotate the storage account key that signed the SAS (or revoke its stored access policy), and prefer user-delegation SAS with short expiry.',
    examples: {
      positives: [
        (make) =>
          `https://contoso.blob.core.windows.net/c/f.zip?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-01-01T00:00:00Z&sig=${encodeURIComponent(make.base64(32))}`,
      ],
      negatives: ['https://contoso.blob.core.windows.net/c/f.zip?sv=2022-11-02&sig=REDACTED'],
    },
  },
  {
    id: 'azure-app-configuration-connection-string',
    family: 'azure',
    title: 'Azure App Configuration connection string',
    severity: 'critical',
    confidence: 'high',
    keywords: ['azconfig.io'],
    pattern: /Endpoint=https:\/\/[\w-]{1,60}\.azconfig\.io;Id=[\w\-:+/]{1,60};Secret=(?<secret>[A-Za-z0-9+/]{43}=)/i,
    remediation: 'Regenerate the App Configuration access key, or move the client to a managed identity.',
    examples: {
      positives: [
        (make) =>
          `Endpoint=https://contoso.azconfig.io;Id=${make.alphanumeric(4)}-l0-s0:${make.alphanumeric(20)};Secret=${make.base64(32)}`,
      ],
    },
  },
  {
    id: 'azure-entra-client-secret',
    family: 'azure',
    title: 'Microsoft Entra ID (Azure AD) application client secret',
    severity: 'critical',
    confidence: 'high',
    keywords: ['q~'],
    pattern: /(?:^|[\\'"\x60\s>=:(,)])(?<secret>[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34})(?=$|[\\'"\x60\s<),;&])/,
    minEntropy: 3.5,
    // Current secrets (`8Q~`) end in a Marvin32 checksum: it upgrades the match to checksum evidence.
    validator: 'azure-entra-client-secret',
    remediation:
      'Delete the client secret in Entra ID (App registrations → Certificates & secrets), issue a new one into Key Vault, and prefer a federated credential or certificate.',
    examples: {
      positives: [
        (make) => `AZURE_CLIENT_SECRET=${make.entraClientSecret()}`,
        (make) => `az login --service-principal -u ${make.guid()} -p '${make.entraClientSecret()}' --tenant contoso.onmicrosoft.com`,
        (make) => `"clientSecret": "${make.entraClientSecret()}"`,
      ],
      negatives: ['see https://learn.microsoft.com/q~a for details'],
    },
  },
  {
    id: 'azure-client-secret-assignment',
    family: 'azure',
    title: 'Azure service principal secret in an environment variable',
    severity: 'critical',
    confidence: 'medium',
    keywords: ['azure_client_secret', 'arm_client_secret', 'servicePrincipalKey'.toLowerCase()],
    pattern: new RegExp(
      String.raw`(?:AZURE_CLIENT_SECRET|ARM_CLIENT_SECRET|servicePrincipalKey)${assignment}(?<secret>[A-Za-z0-9_~.\-]{16,128})${tokenEnd}`,
      'i',
    ),
    minEntropy: 3.5,
    remediation:
      'Delete the client secret in Entra ID, issue a new one into Key Vault, and use workload identity federation for pipelines.',
    examples: {
      positives: [(make) => `ARM_CLIENT_SECRET=${make.alphanumeric(34)}`],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell or pipeline reference, which the rule must not report.
      negatives: ['ARM_CLIENT_SECRET=$(ARM_CLIENT_SECRET)', 'AZURE_CLIENT_SECRET=${{ secrets.AZURE_CLIENT_SECRET }}'],
    },
  },
];
