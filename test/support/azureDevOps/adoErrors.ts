// Moved to the Azure DevOps simulator (shared/simulator/azureDevOps/); re-exported so tests keep their imports.
export * from '../../../shared/simulator/azureDevOps/adoErrors';
