import { Module } from '@nestjs/common';
import type { Knex } from 'knex';
import { crudController } from '../app/crud/crud.controller';
import { RecordService } from '../app/crud/record.service';
import type { ResourceDef } from '../app/crud/resource';
import { KNEX } from '../app/tokens';
import { taxRateResource } from '../billing/tax-rate.resource';
import { AssociationController } from './association.controller';
import { AssociationService } from './association.service';
import { companyResource } from './company.resource';
import { contactResource } from './contact.resource';
import { dealResource } from './deal.resource';
import { productResource } from './product.resource';

/** The CRUD resources, registered explicitly. */
export const RESOURCES: ResourceDef[] = [
  companyResource,
  contactResource,
  dealResource,
  productResource,
  taxRateResource,
];

const wiring = RESOURCES.map((def) => {
  const token = Symbol(`${def.object}.records`);
  return {
    controller: crudController(def, token),
    provider: { provide: token, inject: [KNEX], useFactory: (db: Knex) => new RecordService(db, def) },
  };
});

@Module({
  controllers: [...wiring.map((w) => w.controller), AssociationController],
  providers: [...wiring.map((w) => w.provider), AssociationService],
})
export class CrmModule {}
